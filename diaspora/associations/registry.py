"""The association registry: applying to register an association, an admin's decision, the
officers' edits of its details and membership types, and the public list.

Services flush and never commit; they take the actor explicitly; a rule that stops an action
raises DomainError (with the form field it belongs beside). Every change writes an AuditEvent
in the same transaction; mail goes to the outbox with links from the configured site address."""

import re
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload, undefer
from sqlalchemy.orm.attributes import flag_modified

from diaspora.associations.models import (
    ASSOCIATION_STATES,
    Association,
    AssociationHeritageCountry,
    Membership,
    MembershipType,
)
from diaspora.auth.models import User
from diaspora.core import audit, emails
from diaspora.core.domain import DomainError, check_version
from diaspora.core.i18n import _, _l, ngettext
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.text import contains
from diaspora.core.time import today, utcnow
from diaspora.extensions import db

DEFAULT_TYPE_NAME = "Full member"
DEFAULT_TYPE_MONTHS = 12
# Paths under /associations/ that a slug must never take.
RESERVED_SLUGS = {"new"}

# The (status, lower(name), id) index; names compared as the database lowers them.
BY_NAME = Ordering([
    SortKey(sa.func.lower(Association.name), lambda a: a.name_lowered),
    SortKey(Association.id, lambda a: a.id, kind=int),
])
# The admin's lists: what waits, oldest first (the status index); what was decided, newest first
# (the primary key, skipping the few that wait).
WAITING_ORDER = Ordering([SortKey(Association.id, lambda a: a.id, kind=int)])
DECIDED_ORDER = Ordering([SortKey(Association.id, lambda a: a.id, descending=True, kind=int)])
WAITING_SHOWN = 50


def period_words(months: int | None) -> str:
    if months is None:
        return _("No expiry")
    return ngettext("%(num)d month", "%(num)d months", months)


# ---------------------------------------------------------------------------- lists


def approved_associations(name: str | None = None, host: str | None = None,
                          heritage: str | None = None) -> sa.Select:
    query = (
        sa.select(Association)
        .where(Association.status == Association.APPROVED)
        .options(selectinload(Association.heritage), undefer(Association.name_lowered))
    )
    if name:
        query = query.where(contains(Association.name, name.strip()))
    if host:
        query = query.where(Association.host_country == host)
    if heritage:
        query = query.where(Association.heritage.any(AssociationHeritageCountry.country == heritage))
    return query


def waiting_for_review() -> sa.Select:
    return (sa.select(Association).where(Association.status == Association.PENDING)
            .options(joinedload(Association.applied_by), selectinload(Association.heritage)))


def decided() -> sa.Select:
    return (sa.select(Association).where(Association.status != Association.PENDING)
            .options(joinedload(Association.applied_by), selectinload(Association.heritage)))


def types_of(association: Association, *, only_active: bool = False) -> list[MembershipType]:
    query = (sa.select(MembershipType).where(MembershipType.association_id == association.id)
             .order_by(MembershipType.name))
    if only_active:
        query = query.where(MembershipType.active.is_(True))
    return list(db.session.scalars(query))


# ---------------------------------------------------------------------------- applying


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70].strip("-")
    return slug or "association"


def unique_slug(name: str) -> str:
    """The name's slug; with -2, -3 ... when it is taken (rejected associations keep theirs)."""
    base = slugify(name)
    same_base = sa.or_(Association.slug == base, Association.slug.like(f"{base}-%"))
    taken = set(db.session.scalars(sa.select(Association.slug).where(same_base))) | RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _clean_name(name: str) -> str:
    return " ".join(name.split())


def _check_name_free(name: str, exclude: Association | None = None) -> None:
    query = sa.select(Association.id).where(
        sa.func.lower(Association.name) == name.lower(), Association.status != Association.REJECTED
    )
    if exclude is not None:
        query = query.where(Association.id != exclude.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(_("An association with this name is already registered or waiting for "
                            "approval. Choose another name."), field="name")


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(code for code in codes if code))


def _contact(address: str) -> str:
    try:
        return emails.normalise(address)
    except emails.AddressError as error:
        raise DomainError(str(error), field="contact_email") from error


def apply(user: User, *, name: str, host_country: str, heritage_countries: list[str], description: str,
          website: str | None, contact_email: str) -> Association:
    """Apply to register an association: it waits for a platform admin."""
    name = _clean_name(name)
    _check_name_free(name)
    association = Association(
        name=name, slug=unique_slug(name), host_country=host_country, description=description.strip(),
        website=(website or "").strip() or None, contact_email=_contact(contact_email),
        status=Association.PENDING, applied_by_id=user.id,
    )
    association.heritage = [AssociationHeritageCountry(country=code) for code in _unique(heritage_countries)]
    db.session.add(association)
    db.session.flush()
    audit.record("association.applied", association, actor=user, changes={
        "name": name, "host_country": host_country, "heritage_countries": association.heritage_countries,
    })
    review_url = absolute("associations.review", slug=association.slug)
    admins = db.session.scalars(sa.select(User).where(User.is_admin.is_(True), User.active.is_(True)))
    for admin in admins:
        queue_email(admin.email, _l("An association is waiting for approval: %(name)s", name=name),
                    "associations_application_received", locale=admin.locale, admin=admin,
                    association=association, applicant=user, review_url=review_url)
    return association


def approve(association: Association, admin: User) -> Membership | None:
    """Approve an application: its applicant becomes the first officer, with a default type."""
    old, new = ASSOCIATION_STATES.apply(association, "approve")
    association.decided_by_id = admin.id
    association.decided_at = utcnow()
    association.decision_reason = None
    db.session.add(MembershipType(association=association, name=DEFAULT_TYPE_NAME,
                                  period_months=DEFAULT_TYPE_MONTHS, requires_approval=True, active=True))
    applicant = association.applied_by
    officer = None
    if applicant is not None and applicant.active:
        officer = db.session.scalar(sa.select(Membership).where(
            Membership.user_id == applicant.id, Membership.association_id == association.id))
        if officer is None:
            officer = Membership(user=applicant, association=association)
            db.session.add(officer)
        officer.role, officer.status = Membership.OFFICER, Membership.ACTIVE
        officer.joined_on, officer.renews_on = today(), None
    db.session.flush()
    audit.record("association.approved", association, actor=admin, changes={"status": [old, new]})
    if officer is not None:
        audit.record("membership.created", officer, actor=admin,
                     changes={"role": Membership.OFFICER, "status": Membership.ACTIVE,
                              "reason": "first officer of a newly approved association"})
        queue_email(applicant.email, _l("%(name)s is approved", name=association.name),
                    "associations_approved", locale=applicant.locale, user=applicant,
                    association=association,
                    association_url=absolute("associations.show", slug=association.slug),
                    manage_url=absolute("associations.manage", slug=association.slug))
    return officer


def reject(association: Association, admin: User, reason: str) -> None:
    old, new = ASSOCIATION_STATES.apply(association, "reject")
    reason = reason.strip()
    association.decided_by_id = admin.id
    association.decided_at = utcnow()
    association.decision_reason = reason
    db.session.flush()
    audit.record("association.rejected", association, actor=admin,
                 changes={"status": [old, new], "reason": reason})
    applicant = association.applied_by
    if applicant is not None and applicant.active:
        queue_email(applicant.email, _l("Your application to register %(name)s", name=association.name),
                    "associations_rejected", locale=applicant.locale, user=applicant,
                    association=association, reason=reason)


def update_details(association: Association, user: User, *, version: str | int | None, name: str,
                   host_country: str, heritage_countries: list[str], description: str,
                   website: str | None, contact_email: str) -> bool:
    """An officer edits the association's details. `version` is the one their form showed:
    if someone saved a change since, nothing is saved. Returns whether anything changed."""
    check_version(association, version)
    name = _clean_name(name)
    if name.lower() != association.name.lower():
        _check_name_free(name, exclude=association)
    values = {
        "name": name, "host_country": host_country, "description": description.strip(),
        "website": (website or "").strip() or None, "contact_email": _contact(contact_email),
    }
    changes = audit.diff(association, values)
    wanted = _unique(heritage_countries)
    if wanted != association.heritage_countries:
        changes["heritage_countries"] = [association.heritage_countries, wanted]
    if not changes:
        return False
    for field, value in values.items():
        setattr(association, field, value)
    current = {row.country: row for row in association.heritage}
    association.heritage = [current.get(code) or AssociationHeritageCountry(country=code) for code in wanted]
    flag_modified(association, "name")  # the version moves even when only the countries changed
    db.session.flush()
    audit.record("association.updated", association, actor=user, changes=changes)
    return True


# ---------------------------------------------------------------------------- membership types


def save_type(association: Association, membership_type: MembershipType | None, actor: User, *,
              name: str, period_months: int | None, requires_approval: bool, active: bool) -> MembershipType:
    """Create a membership type (`membership_type` None) or change one."""
    name = _clean_name(name)
    clash = sa.select(MembershipType.id).where(
        MembershipType.association_id == association.id, sa.func.lower(MembershipType.name) == name.lower()
    )
    if membership_type is not None:
        clash = clash.where(MembershipType.id != membership_type.id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise DomainError(_("This association already has a membership type with this name."), field="name")
    if period_months is not None and not 1 <= period_months <= 120:
        raise DomainError(_("Enter a period from 1 to 120 months."), field="period_months")
    values = {"name": name, "period_months": period_months, "requires_approval": requires_approval,
              "active": active}
    if membership_type is None:
        membership_type = MembershipType(association_id=association.id, **values)
        db.session.add(membership_type)
        db.session.flush()
        audit.record("membership_type.created", membership_type, actor=actor, changes=values)
        return membership_type
    changes = audit.diff(membership_type, values)
    if changes:
        for field, value in values.items():
            setattr(membership_type, field, value)
        db.session.flush()
        audit.record("membership_type.updated", membership_type, actor=actor, changes=changes)
    return membership_type
