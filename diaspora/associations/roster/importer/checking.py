"""Checking a member list (the dry run): every row's errors, and what importing it would do,
with a few `IN` queries for the whole file, never one per row."""

import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, lru_cache

import pycountry
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import has_app_context

from diaspora.associations.invitations import INVITATION_DAYS
from diaspora.associations.models import Association, Invitation, Membership, MembershipType
from diaspora.associations.roster.importer.reading import (
    ALREADY_INVITED,
    ALREADY_MEMBER,
    COUNTRY_SEPARATOR,
    INVITE,
    Row,
    parse,
)
from diaspora.auth.models import User
from diaspora.core import emails
from diaspora.core.i18n import DEFAULT_LOCALE, _, current_locale, in_locale
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.members.models import CADRES

MAX_NAME = 120
MAX_SPECIALTY = 120
PREVIEW_ROWS = 100  # rows without errors shown in the dry run
PREVIEW_ERROR_ROWS = 300  # rows with errors shown: enough to fix a file, light enough for a phone
IN_CHUNK = 500  # values per IN (...) list


# A person whose membership is in one of these states is already in the association: the
# row is skipped. Anyone else (no account, or a membership that ended) is invited.
CURRENT_STATUSES = (Membership.ACTIVE, Membership.APPLIED, Membership.SUSPENDED)



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



Progress = Callable[[str, int, int], None]  # (stage, done, total)



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



def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
