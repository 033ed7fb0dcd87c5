"""Setting desks up (platform admins): each desk's ministry, contact, the topics it takes in its
country (desks/submissions/routing.py) and its target times; deactivating and reactivating it; its officers,
added by email. A person with no account yet gets an invitation to register with that address and
a signed link that adds them once they have (no row is kept for it: the link carries the desk and
the address, and works for 14 days). And the submissions no desk took, which admins route."""

import pycountry
import sqlalchemy as sa

from diaspora.auth import tokens
from diaspora.core import audit
from diaspora.core.domain import DomainError, check_version
from diaspora.core.emails import AddressError, normalise
from diaspora.core.i18n import _, _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.pagination import Ordering, SortKey
from diaspora.desks.calendar import calendars
from diaspora.desks.models import ANY_TOPIC, OPEN_STATUSES, TOPICS, Desk, DeskOfficer, DeskRoute, Submission
from diaspora.desks.submissions import routing
from diaspora.extensions import db

FIELDS = ("country", "ministry", "name", "contact_email", "acknowledgement_days", "answer_days")
INVITATION_PURPOSE = "desk-officer"
INVITATION_DAYS = 14
MAX_DAYS = 365

BY_COUNTRY = Ordering([
    SortKey(Desk.country, lambda d: d.country),
    SortKey(Desk.name, lambda d: d.name),
    SortKey(Desk.id, lambda d: d.id, kind=int),
])
# The unrouted, grouped as routes are made (by country and topic): the index
# ix_submissions_unrouted (desk_id, country, topic).
UNROUTED_ORDER = Ordering([
    SortKey(Submission.country, lambda s: s.country),
    SortKey(Submission.topic, lambda s: s.topic),
    SortKey(Submission.id, lambda s: s.id, kind=int),
])


def all_desks() -> sa.Select:
    return sa.select(Desk)


def topic_label(topic: str) -> str:
    return str(_l("Every topic")) if topic == ANY_TOPIC else str(TOPICS.get(topic, topic))


def topic_choices() -> list[tuple[str, str]]:
    return [(ANY_TOPIC, topic_label(ANY_TOPIC))] + [(key, str(label)) for key, label in TOPICS.items()]


# ---------------------------------------------------------------------------- desks


def _clean(values: dict) -> dict:
    cleaned = {name: values.get(name) for name in FIELDS}
    for name in ("ministry", "name"):
        cleaned[name] = " ".join((cleaned[name] or "").split())
    cleaned["country"] = (cleaned["country"] or "").strip().upper()
    if not cleaned["country"] or pycountry.countries.get(alpha_2=cleaned["country"]) is None:
        raise DomainError(_("Choose a country from the list."), field="country")
    if not cleaned["ministry"]:
        raise DomainError(_("Enter the ministry's name."), field="ministry")
    if not cleaned["name"]:
        raise DomainError(_("Enter the desk's name."), field="name")
    email = (cleaned["contact_email"] or "").strip()
    if email:
        try:
            email = normalise(email)
        except AddressError as error:
            raise DomainError(str(error), field="contact_email") from error
    cleaned["contact_email"] = email or None
    for name in ("acknowledgement_days", "answer_days"):
        days = cleaned[name]
        if days is None or not 1 <= int(days) <= MAX_DAYS:
            raise DomainError(_("Enter a number of working days from 1 to 365."), field=name)
        cleaned[name] = int(days)
    if cleaned["answer_days"] < cleaned["acknowledgement_days"]:
        raise DomainError(_("The time to answer cannot be shorter than the time to acknowledge."),
                          field="answer_days")
    return cleaned


def _clean_topics(topics) -> list[str]:
    wanted = [topic for topic in dict.fromkeys(topics or []) if topic]
    if not wanted:
        raise DomainError(_("Choose the topics this desk takes."), field="topics")
    if any(topic != ANY_TOPIC and topic not in TOPICS for topic in wanted):
        raise DomainError(_("Choose topics from the list."), field="topics")
    return [ANY_TOPIC] if ANY_TOPIC in wanted else wanted


def _check_topics_free(country: str, topics: list[str], desk_id: int | None) -> None:
    """A topic another desk of the country takes is refused, beside the field, before
    set_routes (which would quietly leave it with that desk)."""
    query = (sa.select(DeskRoute.topic, Desk.name).join(Desk, Desk.id == DeskRoute.desk_id)
             .where(DeskRoute.country == country, DeskRoute.topic.in_(topics)))
    if desk_id is not None:
        query = query.where(DeskRoute.desk_id != desk_id)
    taken = db.session.execute(query.order_by(DeskRoute.topic)).first()
    if taken is not None:
        raise DomainError(_("%(topic)s already goes to the desk “%(desk)s” in this country. Take it off that "
                            "desk first, or choose other topics.", topic=topic_label(taken.topic), desk=taken.name),
                          field="topics")


def create_desk(admin, values: dict, topics) -> Desk:
    cleaned = _clean(values)
    wanted = _clean_topics(topics)
    _check_topics_free(cleaned["country"], wanted, None)
    desk = Desk(**cleaned)
    db.session.add(desk)
    db.session.flush()
    routing.set_routes(desk, wanted)
    audit.record("desk.created", desk, actor=admin, changes={**cleaned, "topics": desk.topics})
    return desk


def update_desk(admin, desk: Desk, values: dict, topics, version) -> Desk:
    db.session.refresh(desk, with_for_update=True)
    check_version(desk, version)
    cleaned = _clean(values)
    wanted = _clean_topics(topics)
    _check_topics_free(cleaned["country"], wanted, desk.id)
    changes = {name: {"from": getattr(desk, name), "to": value}
               for name, value in cleaned.items() if getattr(desk, name) != value}
    before = desk.topics
    if cleaned["country"] != desk.country:
        desk.routes.clear()  # the routes were the old country's
        db.session.flush()
        if dropped := calendars.drop_all(desk):  # and so were the corrections to its holidays
            changes["calendar_changes_dropped"] = dropped
    for name, value in cleaned.items():
        setattr(desk, name, value)
    db.session.flush()
    routing.set_routes(desk, wanted)
    if desk.topics != before:
        changes["topics"] = {"from": before, "to": desk.topics}
    audit.record("desk.changed", desk, actor=admin, changes=changes)
    return desk


def set_active(admin, desk: Desk, active: bool) -> None:
    """An inactive desk keeps its submissions and its routes; routing skips it, so new ones
    fall back to the country's desk for every topic, or wait unrouted."""
    if desk.active == active:
        return
    desk.active = active
    db.session.flush()
    audit.record("desk.reactivated" if active else "desk.deactivated", desk, actor=admin)


# ---------------------------------------------------------------------------- officers


def officers_of(desk: Desk) -> list:
    from diaspora.auth.models import User

    return list(db.session.scalars(sa.select(User).join(DeskOfficer, DeskOfficer.user_id == User.id)
                                   .where(DeskOfficer.desk_id == desk.id).order_by(User.name, User.id)))


def invite_officer(admin, desk: Desk, email: str) -> str:
    """"added" (an account with that address is now an officer, and told) or "invited" (no
    account: an email invites them to register with it, with a link that adds them)."""
    from diaspora.auth.services import find_by_email

    try:
        address = normalise(email)
    except AddressError as error:
        raise DomainError(str(error), field="email") from error
    user = find_by_email(address)
    if user is not None and user.deleted_at is None:
        if not user.active:
            raise DomainError(_("That account is deactivated."), field="email")
        _add(admin, desk, user)
        queue_email(user.email, _l("You are an officer of the desk “%(desk)s”", desk=desk.name),
                    "desks_officer_invitation", locale=user.locale, name=user.name, desk=desk, added=True,
                    desk_url=absolute("dashboard.index"), join_url=None, register_url=None, days=INVITATION_DAYS)
        return "added"
    token = tokens.make(INVITATION_PURPOSE, {"desk": desk.id, "email": address})
    queue_email(address, _l("An invitation to work the desk “%(desk)s”", desk=desk.name),
                "desks_officer_invitation", locale=None, name=None, desk=desk,
                added=False, desk_url=None, join_url=absolute("desk_setup.join", token=token),
                register_url=absolute("auth.register"), days=INVITATION_DAYS)
    audit.record("desk.officer_invited", desk, actor=admin, changes={"email": address})
    return "invited"


def _add(actor, desk: Desk, user) -> None:
    if _officer_id(desk, user) is not None:
        raise DomainError(_("%(name)s is already an officer of this desk.", name=user.name), field="email")
    db.session.add(DeskOfficer(desk_id=desk.id, user_id=user.id))
    db.session.flush()
    audit.record("desk.officer_added", desk, actor=actor, changes={"user_id": user.id})


def _officer_id(desk: Desk, user) -> int | None:
    return db.session.scalar(sa.select(DeskOfficer.id).where(DeskOfficer.desk_id == desk.id,
                                                             DeskOfficer.user_id == user.id))


def invitation(token: str) -> tuple[Desk, str]:
    """The desk and address an invitation link names; DomainError if it is broken or too old."""
    try:
        payload = tokens.read(INVITATION_PURPOSE, token, max_age=INVITATION_DAYS * 24 * 3600)
    except tokens.InvalidToken as error:
        raise DomainError(_("This invitation link is broken or more than 14 days old. Ask the platform's "
                            "administrators for a new one.")) from error
    desk = db.session.get(Desk, payload.get("desk"))
    if desk is None:
        raise DomainError(_("This invitation link is broken or more than 14 days old. Ask the platform's "
                            "administrators for a new one."))
    return desk, payload.get("email", "")


def join(user, token: str) -> Desk:
    """The invited person, once registered with the invited address (and having confirmed it)."""
    desk, address = invitation(token)
    if user.email != address:
        raise DomainError(_("This invitation is for another email address. Log in with the address it was "
                            "sent to."))
    if not user.is_verified:
        raise DomainError(_("Confirm your email address first, with the link we sent when you registered."))
    if _officer_id(desk, user) is None:
        _add(user, desk, user)
    return desk


def remove_officer(admin, desk: Desk, user_id: int) -> None:
    row = db.session.scalar(sa.select(DeskOfficer).where(DeskOfficer.desk_id == desk.id,
                                                         DeskOfficer.user_id == user_id))
    if row is None:
        raise DomainError(_("That person is not an officer of this desk."))
    db.session.delete(row)
    db.session.flush()
    audit.record("desk.officer_removed", desk, actor=admin, changes={"user_id": user_id})


# ---------------------------------------------------------------------------- unrouted submissions


def unrouted() -> sa.Select:
    return sa.select(Submission).where(Submission.desk_id.is_(None), Submission.status.in_(OPEN_STATUSES))


def unrouted_count() -> int:
    """From the counters (desk 0: unrouted), never a count of the submissions."""
    from diaspora.desks.models import SubmissionCount

    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SubmissionCount.count), 0)).where(
        SubmissionCount.desk_id == 0, SubmissionCount.status.in_(OPEN_STATUSES))) or 0)
