"""Importing members from a CSV file: upload, a dry run, then the import itself.

1. `upload` reads the file (UTF-8 with or without a byte-order mark, comma or semicolon
   separated), refuses one with the wrong columns or no rows, and keeps it as a MemberImport.
2. `plan` is the dry run: it checks every row and says what would happen to it. It looks up
   existing accounts and memberships for all the rows with a few `IN` queries, never one per row.
3. `confirm` checks the rows again and imports every valid one in the caller's transaction:
   accounts, profiles and memberships are inserted in bulk, each person gets an email, and
   one audit event records the counts. It is idempotent by email: a person who is already
   a member is skipped, so importing the same file twice changes nothing the second time.
"""

import csv
import io
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

import pycountry
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import url_for
from werkzeug.utils import secure_filename

from diaspora.associations.models import Association, MemberImport, Membership, MembershipType
from diaspora.associations.services import add_months
from diaspora.auth import passwords, tokens
from diaspora.auth.models import User
from diaspora.auth.services import welcome_link
from diaspora.core import audit, outbox
from diaspora.core.time import today, utcnow
from diaspora.extensions import db
from diaspora.members.models import CADRES, Profile, ProfileHeritageCountry

COLUMNS = ("email", "name", "cadre", "specialty", "heritage_countries", "membership_type")
REQUIRED_COLUMNS = ("email", "name")
COUNTRY_SEPARATOR = "|"
MAX_BYTES = 2 * 1024 * 1024
MAX_NAME = 120
MAX_SPECIALTY = 120
PREVIEW_ROWS = 100  # rows without errors shown in the dry run
PREVIEW_ERROR_ROWS = 300  # rows with errors shown: enough to fix a file, light enough for a phone
IN_CHUNK = 500  # values per IN (...) list
INSERT_CHUNK = 1000  # rows per bulk INSERT

NEW, EXISTING, ALREADY_MEMBER = "new", "existing", "already_member"
OUTCOMES = {
    NEW: "New account and invitation",
    EXISTING: "Existing account: added to the association",
    ALREADY_MEMBER: "Already a member: skipped",
}
# A person whose membership is in one of these states is already in the association: the
# row is skipped. Any other state (left, lapsed, rejected) is made active again.
CURRENT_STATUSES = (Membership.ACTIVE, Membership.APPLIED, Membership.SUSPENDED)

TEMPLATE_EXAMPLE = {
    "email": "ama.owusu@example.org",
    "name": "Ama Owusu",
    "cadre": "nurse",
    "specialty": "Critical care",
    "heritage_countries": "GH|NG",
}


class ImportFileError(Exception):
    """The file cannot be imported at all; the message says why, for the person."""

    def __init__(self, message: str, field: str | None = "file"):
        super().__init__(message)
        self.field = field


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
    user_id: int | None = None
    lapsed_membership: Membership | None = None

    @property
    def will_import(self) -> bool:
        return not self.errors and self.outcome in (NEW, EXISTING)

    @property
    def description(self) -> str:
        return OUTCOMES.get(self.outcome, "")


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
    def already_members(self) -> int:
        return sum(1 for row in self.rows if row.outcome == ALREADY_MEMBER and not row.errors)

    @property
    def new_accounts(self) -> int:
        return sum(1 for row in self.rows if row.will_import and row.outcome == NEW)

    @property
    def existing_accounts(self) -> int:
        return sum(1 for row in self.rows if row.will_import and row.outcome == EXISTING)

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
    imported: int
    new_accounts: int
    existing_accounts: int
    already_members: int
    with_errors: int


Progress = Callable[[str, int, int], None]  # (stage, done, total)


# -- reading the file ----------------------------------------------------------------------

def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("The file is larger than 2 MB. Split it into smaller files.")
    if b"\x00" in data:
        raise ImportFileError("This is not a CSV file. In your spreadsheet, use Save as, "
                              "then choose \u201cCSV UTF-8\u201d.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError("The file is not saved as UTF-8. In your spreadsheet, use Save as, "
                              "then choose \u201cCSV UTF-8\u201d.") from error


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
            raise ImportFileError("The file is empty. Start from the template: its first row "
                                  "names the columns.")
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
        raise ImportFileError(f"The file cannot be read as CSV ({error}).") from error
    if not rows:
        raise ImportFileError("The file has no members in it: add one row per member under the "
                              "row of column names.")
    return rows


def _check_columns(columns: list[str]) -> None:
    expected = ", ".join(COLUMNS)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name or "(empty)" for name in columns if name not in COLUMNS]
    doubled = sorted({name for name in columns if name and columns.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"it has no {' or '.join(missing)} column")
    if unknown:
        problems.append(f"we don't know the column{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(unknown)}")
    if doubled:
        problems.append(f"the column{'s' if len(doubled) > 1 else ''} {', '.join(doubled)} "
                        f"{'appear' if len(doubled) > 1 else 'appears'} twice")
    if problems:
        raise ImportFileError(
            f"The first row of the file must name the columns, but {'; '.join(problems)}. "
            f"Use the columns of the template: {expected} (email and name are required)."
        )


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
                row.errors.append(f"The same email address is already on row {first}.")
        if progress and done % 1000 == 0 and done < len(rows):
            progress("checked", done, len(rows))
    _find_people(association, rows)
    if progress:
        progress("checked", len(rows), len(rows))
    return Plan(rows)


def _check_row(row: Row, types: dict[str, MembershipType], default_type: MembershipType | None) -> None:
    if not row.email:
        row.errors.append("The email address is missing.")
    else:
        try:
            row.normalized_email = normalise_address(row.email)
        except EmailNotValidError as error:
            row.errors.append(f"The email address is not valid: {error}")
    if not row.name:
        row.errors.append("The name is missing.")
    elif len(row.name) > MAX_NAME:
        row.errors.append(f"The name is longer than {MAX_NAME} characters.")
    if row.cadre:
        row.cadre_key = find_cadre(row.cadre)
        if row.cadre_key is None:
            row.errors.append(f"We don't know the cadre \u201c{row.cadre}\u201d. Use one of: "
                              f"{', '.join(CADRES)}.")
    if len(row.specialty) > MAX_SPECIALTY:
        row.errors.append(f"The specialty is longer than {MAX_SPECIALTY} characters.")
    for part in row.heritage_countries.split(COUNTRY_SEPARATOR):
        if not part.strip():
            continue
        code = find_country(part)
        if code is None:
            row.errors.append(f"We don't know the country \u201c{part.strip()}\u201d. Use its "
                              f"two-letter code (GH) or its name (Ghana); separate countries with "
                              f"\u201c{COUNTRY_SEPARATOR}\u201d.")
        elif code not in row.countries:
            row.countries.append(code)
    if row.membership_type:
        membership_type = types.get(row.membership_type.casefold())
        if membership_type is None:
            offered = ", ".join(t.name for t in types.values() if t.active) or "none"
            row.errors.append(f"This association has no membership type called "
                              f"\u201c{row.membership_type}\u201d (it has: {offered}).")
        elif not membership_type.active:
            row.errors.append(f"The membership type \u201c{membership_type.name}\u201d is no longer "
                              f"offered.")
        else:
            row.type_id = membership_type.id
    elif default_type is not None:
        row.type_id = default_type.id
    if row.extra_cells:
        row.errors.append("The row has more cells than there are columns. Put quotes around a "
                          "value that contains the separator.")


# A dot-atom local part in ASCII: what nearly every address has (RFC 5322 atext and dots).
_SIMPLE_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


def normalise_address(text: str) -> str:
    """The address as accounts store it (email_validator's normalized form, in lower case);
    raises EmailNotValidError with its reason. The same as validating each address in full,
    but a plain ASCII address only has its domain checked once per file (most rows share a
    few domains), which makes checking 10,000 rows several times faster."""
    local, at, domain = text.rpartition("@")
    if at and text.isascii() and len(text) <= 254 and len(local) <= 64 and _SIMPLE_LOCAL_PART.match(local):
        checked_domain = _checked_domain(domain)
        if checked_domain is not None:
            return f"{local}@{checked_domain}".lower()
    return validate_email(text, check_deliverability=False).normalized.lower()


@lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None  # the full check says why


def _find_people(association: Association, rows: list[Row]) -> None:
    """Existing accounts and memberships for every valid row: a few IN queries in chunks."""
    candidates = [row for row in rows if row.normalized_email and not row.errors]
    user_ids: dict[str, int] = {}
    for emails in _chunks(sorted({row.normalized_email for row in candidates}), IN_CHUNK):
        user_ids.update(db.session.execute(
            sa.select(User.email, User.id).where(User.email.in_(emails))
        ).all())
    memberships: dict[int, Membership] = {}
    for ids in _chunks(sorted(set(user_ids.values())), IN_CHUNK):
        memberships.update(
            (membership.user_id, membership)
            for membership in db.session.scalars(sa.select(Membership).where(
                Membership.association_id == association.id, Membership.user_id.in_(ids)
            ))
        )
    for row in candidates:
        row.user_id = user_ids.get(row.normalized_email)
        if row.user_id is None:
            row.outcome = NEW
            continue
        membership = memberships.get(row.user_id)
        if membership is not None and membership.status in CURRENT_STATUSES:
            row.outcome = ALREADY_MEMBER
        else:
            row.outcome = EXISTING
            row.lapsed_membership = membership


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
    """A cadre key from its key or label, in any case ("nurse", "Allied health professional")."""
    return _cadre_lookup().get(" ".join(text.replace("_", " ").split()).casefold())


@cache
def _cadre_lookup() -> dict[str, str]:
    lookup = {}
    for key, label in CADRES.items():
        lookup[key.replace("_", " ")] = key
        lookup[label.casefold()] = key
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
    """Import every valid row of the upload, in the caller's transaction (services flush only).
    Raises NothingToImport when no row can be imported, AlreadyImported the second time."""
    if member_import.imported_at is not None:
        raise AlreadyImported("This file has been imported already.")
    association = db.session.get(Association, member_import.association_id)
    dry_run = plan(association, member_import.content, progress)
    rows = dry_run.to_import
    if not rows:
        raise NothingToImport(_nothing_message(dry_run))
    _claim(member_import)
    new_rows = [row for row in rows if row.outcome == NEW]
    users = _create_accounts(new_rows)
    _create_profiles(new_rows, users)
    _create_memberships(association, rows, users)
    if progress:
        progress("written", len(rows), len(rows))
    _queue_emails(association, actor, rows, users, progress)
    member_import.imported_count = len(rows)
    result = ImportResult(
        imported=len(rows),
        new_accounts=dry_run.new_accounts,
        existing_accounts=dry_run.existing_accounts,
        already_members=dry_run.already_members,
        with_errors=dry_run.with_errors,
    )
    audit.record("members.imported", association, actor=actor, changes={
        "import_id": member_import.id,
        "filename": member_import.filename,
        "rows": dry_run.total,
        "imported": result.imported,
        "new_accounts": result.new_accounts,
        "existing_accounts": result.existing_accounts,
        "already_members": result.already_members,
        "rows_with_errors": result.with_errors,
    })
    db.session.flush()
    return result


def _nothing_message(dry_run: Plan) -> str:
    if dry_run.with_errors and dry_run.already_members:
        return (f"Nothing was imported: {dry_run.already_members} of the people in the file are "
                f"members already, and the other rows have errors. Correct them in the file and "
                f"upload it again.")
    if dry_run.with_errors:
        return ("Nothing was imported: every row has an error. Correct the rows in the file and "
                "upload it again.")
    return "Nothing was imported: everyone in the file is a member already."


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
        raise AlreadyImported("This file has been imported already.")
    member_import.imported_at = now


def _create_accounts(rows: list[Row]) -> dict[str, User]:
    """Accounts with no usable password, as auth.services.create_account_for makes them (their
    owner chooses one through the welcome link), inserted in bulk. Returns them by email, as
    detached User objects that carry what the welcome email needs (id, name, password hash)."""
    now = utcnow()
    values = [{
        "name": row.name,
        "email": row.normalized_email,
        "password_hash": passwords.UNUSABLE_PREFIX + tokens.fingerprint(secrets.token_hex(16)),
        "created_at": now,
    } for row in rows]
    users = {}
    for chunk in _chunks(values, INSERT_CHUNK):
        ids = dict(db.session.execute(
            sa.insert(User.__table__).returning(User.__table__.c.email, User.__table__.c.id), chunk
        ).all())
        for value in chunk:
            users[value["email"]] = User(id=ids[value["email"]], **value)
    return users


def _create_profiles(rows: list[Row], users: dict[str, User]) -> None:
    now = utcnow()
    profiles, heritage = [], []
    for row in rows:
        user_id = users[row.normalized_email].id
        profiles.append({
            "user_id": user_id, "cadre": row.cadre_key, "specialty": row.specialty or None,
            "return_interest": "none", "directory_consent": False, "updated_at": now, "version": 1,
        })
        heritage.extend({"user_id": user_id, "country": code} for code in row.countries)
    _bulk_insert(Profile, profiles)
    _bulk_insert(ProfileHeritageCountry, heritage)


def _create_memberships(association: Association, rows: list[Row], users: dict[str, User]) -> None:
    periods = dict(db.session.execute(
        sa.select(MembershipType.id, MembershipType.period_months)
        .where(MembershipType.association_id == association.id)
    ).all())
    joined = today()
    now = utcnow()
    new = []
    for row in rows:
        renews_on = renewal_date(joined, periods.get(row.type_id))
        membership = row.lapsed_membership
        if membership is not None:  # left, lapsed or rejected before: active again
            if membership.status != Membership.LAPSED or membership.joined_on is None:
                membership.joined_on = joined
            membership.status = Membership.ACTIVE
            membership.role = Membership.MEMBER
            membership.membership_type_id = row.type_id
            membership.renews_on = renews_on
            membership.decision_reason = None
            membership.reminder_sent_for = None
            continue
        user_id = row.user_id if row.user_id is not None else users[row.normalized_email].id
        new.append({
            "user_id": user_id, "association_id": association.id, "membership_type_id": row.type_id,
            "role": Membership.MEMBER, "status": Membership.ACTIVE, "joined_on": joined,
            "renews_on": renews_on, "created_at": now, "version": 1,
        })
    _bulk_insert(Membership, new)


def renewal_date(start: date, period_months: int | None) -> date | None:
    """`period_months` after `start`, or None: the type never expires (or there is no type)."""
    return add_months(start, period_months) if period_months else None


def _queue_emails(association: Association, actor: User, rows: list[Row], users: dict[str, User],
                  progress: Progress | None) -> None:
    login_url = url_for("auth.login", _external=True)
    names = {}
    existing_ids = [row.user_id for row in rows if row.outcome == EXISTING]
    for ids in _chunks(existing_ids, IN_CHUNK):
        names.update(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())

    def emails() -> Iterator[tuple[str, str, str, dict]]:
        for done, row in enumerate(rows, 1):
            if row.outcome == NEW:
                user = users[row.normalized_email]
                yield (user.email, f"{association.name} has added you to the Diaspora Health Network",
                       "import_welcome",
                       {"name": user.name, "association": association, "officer": actor,
                        "welcome_url": welcome_link(user)})
            else:
                yield (row.normalized_email, f"You are now a member of {association.name}",
                       "import_added",
                       {"name": names.get(row.user_id, row.name), "association": association,
                        "officer": actor, "login_url": login_url})
            if progress and done % 1000 == 0 and done < len(rows):
                progress("emails", done, len(rows))

    outbox.queue_emails(emails())
    if progress:
        progress("emails", len(rows), len(rows))


def _bulk_insert(model, values: list[dict]) -> None:
    """Core executemany INSERTs on the model's table (column defaults apply), in chunks."""
    for chunk in _chunks(values, INSERT_CHUNK):
        db.session.execute(sa.insert(model.__table__), chunk)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
