"""Importing members from a CSV file: upload, a dry run, then the invitations.

1. `upload` reads the file (UTF-8 with or without a byte-order mark, comma or semicolon
   separated), refuses one with the wrong columns or no rows, and keeps it as a MemberImport.
2. `plan` is the dry run: it checks every row and says what would happen to it. It looks up
   memberships and pending invitations for all the rows with a few `IN` queries, never one per
   row. Every valid address gets the same words ("will be invited"), so the preview tells the
   officer nothing about who has an account.
3. `confirm` checks the rows again and invites every valid one, in bulk, in the caller's
   transaction. Nobody becomes a member until they accept their invitation; what the file says
   about them (cadre, specialty, heritage countries) starts their profile if they have none.
   Importing the same file twice invites nobody twice (pending invitations are skipped).
   Afterwards the file's text is emptied; only the rows that could not be imported are kept,
   with their reasons, so the officer can fix them.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, lru_cache

import pycountry
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import has_app_context
from werkzeug.utils import secure_filename

from diaspora.associations.invitations import INVITATION_DAYS, Invitee, invite_many
from diaspora.associations.models import Association, Invitation, MemberImport, Membership, MembershipType
from diaspora.auth.models import User
from diaspora.core import audit, emails
from diaspora.core.domain import DomainError
from diaspora.core.i18n import DEFAULT_LOCALE, _, _l, current_locale, in_locale, ngettext
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.members.models import CADRES

COLUMNS = ("email", "name", "cadre", "specialty", "heritage_countries", "membership_type")
REQUIRED_COLUMNS = ("email", "name")
COUNTRY_SEPARATOR = "|"
MAX_BYTES = 2 * 1024 * 1024
MAX_NAME = 120
MAX_SPECIALTY = 120
PREVIEW_ROWS = 100  # rows without errors shown in the dry run
PREVIEW_ERROR_ROWS = 300  # rows with errors shown: enough to fix a file, light enough for a phone
IN_CHUNK = 500  # values per IN (...) list

INVITE, ALREADY_MEMBER, ALREADY_INVITED = "invite", "already_member", "already_invited"
OUTCOMES = {
    INVITE: _l("Will be invited"),
    ALREADY_MEMBER: _l("Already a member: skipped"),
    ALREADY_INVITED: _l("Already invited: skipped"),
}
# A person whose membership is in one of these states is already in the association: the
# row is skipped. Anyone else (no account, or a membership that ended) is invited.
CURRENT_STATUSES = (Membership.ACTIVE, Membership.APPLIED, Membership.SUSPENDED)

TEMPLATE_EXAMPLE = {
    "email": "ama.owusu@example.org",
    "name": "Ama Owusu",
    "cadre": "nurse",
    "specialty": "Critical care",
    "heritage_countries": "GH|NG",
}


class ImportFileError(DomainError):
    """The file cannot be imported at all; the message says why, for the person."""

    def __init__(self, message: str, field: str | None = "file"):
        super().__init__(message, field)


class NothingToImport(ImportFileError):
    """No row of the file can be imported."""


class AlreadyImported(ImportFileError):
    """This upload has been imported already."""


@dataclass
class Row:
    """One data row of the file, what is wrong with it and what importing it would do."""

    number: int  # as a spreadsheet numbers it: the header is row 1
    email: str
    name: str
    cadre: str = ""
    specialty: str = ""
    heritage_countries: str = ""
    membership_type: str = ""
    extra_cells: bool = False
    errors: list[str] = field(default_factory=list)
    outcome: str | None = None
    # Filled in by the checks:
    normalized_email: str | None = None
    cadre_key: str | None = None
    countries: list[str] = field(default_factory=list)
    type_id: int | None = None

    @property
    def will_import(self) -> bool:
        return not self.errors and self.outcome == INVITE

    @property
    def description(self) -> str:
        return str(OUTCOMES.get(self.outcome, ""))

    def profile_hint(self) -> dict | None:
        hint = {"cadre": self.cadre_key, "specialty": self.specialty or None,
                "heritage_countries": self.countries}
        return hint if any(hint.values()) else None


@dataclass
class Plan:
    """The dry run of a file: every row with its errors or outcome, and the counts."""

    rows: list[Row]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def to_import(self) -> list[Row]:
        return [row for row in self.rows if row.will_import]

    @property
    def with_errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def to_invite(self) -> int:
        return sum(1 for row in self.rows if row.will_import)

    @property
    def already_members(self) -> int:
        return sum(1 for row in self.rows if row.outcome == ALREADY_MEMBER and not row.errors)

    @property
    def already_invited(self) -> int:
        return sum(1 for row in self.rows if row.outcome == ALREADY_INVITED and not row.errors)

    def shown(self, limit: int = PREVIEW_ROWS,
              error_limit: int = PREVIEW_ERROR_ROWS) -> tuple[list[Row], int, int]:
        """The rows a page shows, in file order (the first `error_limit` rows with an error
        and the first `limit` others), and how many of each are left out."""
        shown, others, errors = [], 0, 0
        for row in self.rows:
            if row.errors:
                errors += 1
                if errors <= error_limit:
                    shown.append(row)
            else:
                others += 1
                if others <= limit:
                    shown.append(row)
        return shown, max(others - limit, 0), max(errors - error_limit, 0)


@dataclass
class ImportResult:
    invited: int
    already_members: int
    already_invited: int
    with_errors: int


Progress = Callable[[str, int, int], None]  # (stage, done, total)


# -- reading the file ----------------------------------------------------------------------

def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files."))
    if b"\x00" in data:
        raise ImportFileError(_("This is not a CSV file. In your spreadsheet, use Save as, then choose "
                                "“CSV UTF-8”."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The file is not saved as UTF-8. In your spreadsheet, use Save as, then "
                                "choose “CSV UTF-8”.")) from error


def separator(text: str) -> str:
    """Comma or semicolon (spreadsheets in many countries use semicolons), by the header line."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def normalise_column(name: str) -> str:
    return "_".join(name.strip().strip("\ufeff").lower().replace("-", " ").split())


def parse(text: str) -> list[Row]:
    """The rows of the file. Raises ImportFileError when the columns are wrong or there
    is no data row."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=separator(text))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty. Start from the template: its first row names "
                                    "the columns."))
        columns = [normalise_column(name) for name in header]
        _check_columns(columns)
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, or rows of empty cells a spreadsheet left behind
            values = dict(zip(columns, (cell.strip() for cell in cells), strict=False))
            extra = any(cell.strip() for cell in cells[len(columns):])
            rows.append(Row(
                number=reader.line_num,
                email=values.get("email", ""),
                name=values.get("name", ""),
                cadre=values.get("cadre", ""),
                specialty=values.get("specialty", ""),
                heritage_countries=values.get("heritage_countries", ""),
                membership_type=values.get("membership_type", ""),
                extra_cells=extra,
            ))
    except csv.Error as error:
        raise ImportFileError(_("The file cannot be read as CSV (%(error)s).", error=error)) from error
    if not rows:
        raise ImportFileError(_("The file has no members in it: add one row per member under the row "
                                "of column names."))
    return rows


def _check_columns(columns: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name or _("(empty)") for name in columns if name not in COLUMNS]
    doubled = sorted({name for name in columns if name and columns.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("it has no %(columns)s column", columns=" / ".join(missing)))
    if unknown:
        problems.append(ngettext("we don't know the column %(columns)s", "we don't know the columns "
                                 "%(columns)s", len(unknown), columns=", ".join(unknown)))
    if doubled:
        problems.append(ngettext("the column %(columns)s appears twice", "the columns %(columns)s "
                                 "appear twice", len(doubled), columns=", ".join(doubled)))
    if problems:
        raise ImportFileError(_(
            "The first row of the file must name the columns, but %(problems)s. Use the columns of the "
            "template: %(expected)s (email and name are required).",
            problems="; ".join(problems), expected=", ".join(COLUMNS)))


def upload(association: Association, uploader: User, filename: str | None, data: bytes) -> MemberImport:
    """Keep an uploaded file for its dry run, after checking it can be read at all."""
    text = decode(data)
    parse(text)
    member_import = MemberImport(
        association_id=association.id,
        uploaded_by_id=uploader.id,
        filename=(secure_filename(filename or "") or "members.csv")[:200],
        content=text,
    )
    db.session.add(member_import)
    db.session.flush()
    audit.record("members.import_uploaded", member_import, actor=uploader,
                 changes={"filename": member_import.filename})
    return member_import


def template_csv(association: Association) -> str:
    """The template's text: the header row and one example row."""
    first_type = default_membership_type(association)
    example = {**TEMPLATE_EXAMPLE, "membership_type": first_type.name if first_type else ""}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([example[name] for name in COLUMNS])
    return buffer.getvalue()


# -- the dry run ---------------------------------------------------------------------------

def plan(association: Association, text: str, progress: Progress | None = None) -> Plan:
    """Check every row of the file and decide what importing it would do."""
    rows = parse(text)
    types = _membership_types(association)
    default_type = next((t for t in types.values() if t.active), None)
    first_row_of: dict[str, int] = {}
    for done, row in enumerate(rows, 1):
        _check_row(row, types, default_type)
        if row.normalized_email:
            first = first_row_of.setdefault(row.normalized_email, row.number)
            if first != row.number:
                row.errors.append(_("The same email address is already on row %(row)d.", row=first))
        if progress and done % 1000 == 0 and done < len(rows):
            progress("checked", done, len(rows))
    _find_people(association, rows)
    if progress:
        progress("checked", len(rows), len(rows))
    return Plan(rows)


def _check_row(row: Row, types: dict[str, MembershipType], default_type: MembershipType | None) -> None:
    if not row.email:
        row.errors.append(_("The email address is missing."))
    else:
        try:
            row.normalized_email = normalise_address(row.email)
        except emails.AddressError as error:
            row.errors.append(str(error))
    if not row.name:
        row.errors.append(_("The name is missing."))
    elif len(row.name) > MAX_NAME:
        row.errors.append(_("The name is longer than %(max)d characters.", max=MAX_NAME))
    if row.cadre:
        row.cadre_key = find_cadre(row.cadre)
        if row.cadre_key is None:
            row.errors.append(_("We don't know the cadre “%(cadre)s”. Use one of: %(cadres)s.",
                                cadre=row.cadre[:60], cadres=", ".join(CADRES)))
    if len(row.specialty) > MAX_SPECIALTY:
        row.errors.append(_("The specialty is longer than %(max)d characters.", max=MAX_SPECIALTY))
    for part in row.heritage_countries.split(COUNTRY_SEPARATOR):
        if not part.strip():
            continue
        code = find_country(part)
        if code is None:
            row.errors.append(_("We don't know the country “%(country)s”. Use its two-letter code (GH) "
                                "or its name (Ghana); separate countries with “%(separator)s”.",
                                country=part.strip()[:60], separator=COUNTRY_SEPARATOR))
        elif code not in row.countries:
            row.countries.append(code)
    if row.membership_type:
        membership_type = types.get(row.membership_type.casefold())
        if membership_type is None:
            offered = ", ".join(t.name for t in types.values() if t.active) or "-"
            row.errors.append(_("This association has no membership type called “%(name)s” (it has: "
                                "%(offered)s).", name=row.membership_type[:60], offered=offered))
        elif not membership_type.active:
            row.errors.append(_("The membership type “%(name)s” is no longer offered.",
                                name=membership_type.name))
        else:
            row.type_id = membership_type.id
    elif default_type is not None:
        row.type_id = default_type.id
    if row.extra_cells:
        row.errors.append(_("The row has more cells than there are columns. Put quotes around a value "
                            "that contains the separator."))


# A dot-atom local part in ASCII: what nearly every address has (RFC 5322 atext and dots).
_SIMPLE_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


def normalise_address(text: str) -> str:
    """The address as accounts store it (`core.emails.normalise`); raises AddressError with its
    reason. The same as checking each address in full, but a plain ASCII address only has its
    domain checked once per file (most rows share a few domains): several times faster."""
    local, at, domain = text.rpartition("@")
    if at and text.isascii() and len(text) <= 254 and len(local) <= 64 and _SIMPLE_LOCAL_PART.match(local):
        checked_domain = _checked_domain(domain)
        if checked_domain is not None:
            return f"{local}@{checked_domain}".lower()
    return emails.normalise(text)


@lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).ascii_domain
    except EmailNotValidError:
        return None  # the full check says why


def _find_people(association: Association, rows: list[Row]) -> None:
    """Current members and pending invitations for every valid row: a few IN queries in chunks.
    Accounts are looked up only to find memberships; whether an address has an account is
    never part of the outcome."""
    candidates = [row for row in rows if row.normalized_email and not row.errors]
    addresses = sorted({row.normalized_email for row in candidates})
    members: set[str] = set()
    invited: set[str] = set()
    since = utcnow() - timedelta(days=INVITATION_DAYS)
    for chunk in _chunks(addresses, IN_CHUNK):
        members.update(db.session.scalars(
            sa.select(User.email).join(Membership, Membership.user_id == User.id).where(
                User.email.in_(chunk), Membership.association_id == association.id,
                Membership.status.in_(CURRENT_STATUSES))))
        invited.update(db.session.scalars(sa.select(Invitation.email).where(
            Invitation.association_id == association.id, Invitation.email.in_(chunk),
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
            Invitation.declined_at.is_(None), Invitation.created_at >= since)))
    for row in candidates:
        if row.normalized_email in members:
            row.outcome = ALREADY_MEMBER
        elif row.normalized_email in invited:
            row.outcome = ALREADY_INVITED
        else:
            row.outcome = INVITE


def _membership_types(association: Association) -> dict[str, MembershipType]:
    """The association's types by folded name; active ones first, by name."""
    types = db.session.scalars(
        sa.select(MembershipType)
        .where(MembershipType.association_id == association.id)
        .order_by(MembershipType.active.desc(), MembershipType.name)
    )
    return {membership_type.name.casefold(): membership_type for membership_type in types}


def active_membership_types(association: Association) -> list[MembershipType]:
    return list(db.session.scalars(
        sa.select(MembershipType)
        .where(MembershipType.association_id == association.id, MembershipType.active.is_(True))
        .order_by(MembershipType.name)
    ))


def default_membership_type(association: Association) -> MembershipType | None:
    """The type a row without one gets: the association's first active type, by name."""
    return next(iter(active_membership_types(association)), None)


def find_cadre(text: str) -> str | None:
    """A cadre key from its key or label, in any case ("nurse", "Allied health professional"):
    the label in English or in the reader's language ("Infirmier")."""
    return _cadre_lookup(current_locale()).get(" ".join(text.replace("_", " ").split()).casefold())


@cache
def _cadre_lookup(locale: str) -> dict[str, str]:
    lookup = {}
    for wanted in dict.fromkeys((DEFAULT_LOCALE, locale)):
        with in_locale(wanted) if has_app_context() else nullcontext():
            for key, label in CADRES.items():
                lookup.setdefault(key.replace("_", " "), key)
                lookup.setdefault(" ".join(str(label).split()).casefold(), key)
    return lookup


def find_country(text: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code (GH, GHA) or a name (Ghana), in any case."""
    return _country_lookup().get(" ".join(text.split()).casefold())


@cache
def _country_lookup() -> dict[str, str]:
    lookup = {}
    for country in pycountry.countries:
        for name in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(country, name, None)
            if value:
                lookup.setdefault(value.casefold(), country.alpha_2)
    return lookup


# -- the import ----------------------------------------------------------------------------

def confirm(member_import: MemberImport, actor: User, progress: Progress | None = None) -> ImportResult:
    """Invite every valid row of the upload, in the caller's transaction (services flush only).
    Raises NothingToImport when no row can be invited, AlreadyImported the second time."""
    if member_import.imported_at is not None:
        raise AlreadyImported(_("This file has been imported already."))
    association = db.session.get(Association, member_import.association_id)
    dry_run = plan(association, member_import.content, progress)
    rows = dry_run.to_import
    if not rows:
        raise NothingToImport(_nothing_message(dry_run))
    _claim(member_import)
    invite_many(association, actor, [
        Invitee(email=row.normalized_email, name=row.name, membership_type_id=row.type_id,
                profile_hint=row.profile_hint()) for row in rows
    ], member_import_id=member_import.id)
    if progress:
        progress("invited", len(rows), len(rows))
    result = ImportResult(invited=len(rows), already_members=dry_run.already_members,
                          already_invited=dry_run.already_invited, with_errors=dry_run.with_errors)
    member_import.imported_count = len(rows)
    member_import.rejected_rows = [
        {"row": row.number, "email": row.email[:254], "name": row.name[:MAX_NAME], "errors": row.errors}
        for row in dry_run.rows if row.errors
    ][:PREVIEW_ERROR_ROWS]
    member_import.content = ""  # it held other people's details; what is left is above
    audit.record("members.imported", association, actor=actor, changes={
        "import_id": member_import.id, "filename": member_import.filename, "rows": dry_run.total,
        "invited": result.invited, "already_members": result.already_members,
        "already_invited": result.already_invited, "rows_with_errors": result.with_errors,
    })
    db.session.flush()
    return result


def _nothing_message(dry_run: Plan) -> str:
    if dry_run.with_errors:
        return _("Nothing was imported: every row either has an error or is already a member or "
                 "invited. Correct the rows in the file and upload it again.")
    return _("Nothing was imported: everyone in the file is a member already or has been invited.")


def _claim(member_import: MemberImport) -> None:
    """Mark the upload as imported first, with a conditional UPDATE: if two confirmations race,
    the second one waits for the first to commit, then finds nothing to claim."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(MemberImport)
        .where(MemberImport.id == member_import.id, MemberImport.imported_at.is_(None))
        .values(imported_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AlreadyImported(_("This file has been imported already."))
    member_import.imported_at = now


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
