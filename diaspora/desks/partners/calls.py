"""Calls for support: a desk posts a need (a cadre or specialty, a region, dates, a mode, whether
a licence for the country is needed); posting it matches the members who could meet it, in one
statement, and tells each of them once, in their language. A member answers "interested" with
a note; the desk sees only those who answered, and closes the call."""

from collections import defaultdict
from datetime import date, datetime

import pycountry
import sqlalchemy as sa

from diaspora.core import audit
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l, in_locale
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_emails
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.text import contains
from diaspora.core.time import today, utcnow
from diaspora.desks.models import CallMatch, Desk, SupportCall
from diaspora.extensions import db
from diaspora.members.models import (
    AVAILABILITY_MODES,
    CADRES,
    Availability,
    DeskSharingConsent,
    Profile,
    ProfileHeritageCountry,
    ProfileSkill,
    Skill,
)

FIELDS = ("title", "description", "cadre", "specialty", "region", "starts_on", "ends_on", "mode",
          "licence_required")
MODES = ("either", "in_person", "remote")
MAX_TEXT = 5000

NEWEST_FIRST = Ordering([
    SortKey(SupportCall.created_at, lambda c: c.created_at, descending=True, kind=datetime),
    SortKey(SupportCall.id, lambda c: c.id, descending=True, kind=int),
])
# The index (call_id, answered_at, user_id).
ANSWERS_FIRST_FIRST = Ordering([
    SortKey(CallMatch.answered_at, lambda m: m.answered_at, kind=datetime),
    SortKey(CallMatch.user_id, lambda m: m.user_id, kind=int),
])


def mode_label(mode: str) -> str:
    return str(AVAILABILITY_MODES.get(mode, mode))


def mode_choices() -> list[tuple[str, str]]:
    return [(mode, mode_label(mode)) for mode in MODES]


def calls_of(desk: Desk) -> sa.Select:
    return sa.select(SupportCall).where(SupportCall.desk_id == desk.id)


# ---------------------------------------------------------------------------- posting


def _clean(desk: Desk, values: dict) -> dict:
    cleaned = {name: values.get(name) for name in FIELDS}
    cleaned["title"] = " ".join((cleaned["title"] or "").split())
    if not cleaned["title"]:
        raise DomainError(_("Enter a title."), field="title")
    if len(cleaned["title"]) > 200:
        raise DomainError(_("Keep the title to 200 characters."), field="title")
    cleaned["description"] = (cleaned["description"] or "").strip() or None
    if cleaned["description"] and len(cleaned["description"]) > MAX_TEXT:
        raise DomainError(_("Keep this to 5,000 characters."), field="description")
    cleaned["cadre"] = cleaned["cadre"] or None
    if cleaned["cadre"] and cleaned["cadre"] not in CADRES:
        raise DomainError(_("Choose one of the options."), field="cadre")
    cleaned["specialty"] = " ".join((cleaned["specialty"] or "").split()) or None
    if cleaned["specialty"] and len(cleaned["specialty"]) > 120:
        raise DomainError(_("Keep the specialty to 120 characters."), field="specialty")
    cleaned["region"] = (cleaned["region"] or "").strip().upper() or None
    if cleaned["region"]:
        region = pycountry.subdivisions.get(code=cleaned["region"])
        if region is None or region.country_code != desk.country:
            raise DomainError(_("Choose a region of the desk's country."), field="region")
    starts_on, ends_on = cleaned["starts_on"], cleaned["ends_on"]
    if starts_on is None:
        raise DomainError(_("Enter the first day."), field="starts_on")
    if ends_on is None:
        raise DomainError(_("Enter the last day."), field="ends_on")
    if starts_on < today():
        raise DomainError(_("The first day cannot be in the past."), field="starts_on")
    if ends_on < starts_on:
        raise DomainError(_("The last day must be the same as or after the first day."), field="ends_on")
    if cleaned["mode"] not in MODES:
        raise DomainError(_("Choose one of the options."), field="mode")
    cleaned["licence_required"] = bool(cleaned["licence_required"])
    return cleaned


def post(officer, desk: Desk, values: dict) -> tuple[SupportCall, int]:
    """The call, and how many members it was sent to."""
    cleaned = _clean(desk, values)
    call = SupportCall(desk_id=desk.id, status="open", **cleaned)
    db.session.add(call)
    db.session.flush()
    audit.record("support_call.posted", call, actor=officer,
                 changes={name: value.isoformat() if isinstance(value, date) else value
                          for name, value in cleaned.items() if name != "description"})
    told = notify_matches(call)
    found = reach(call)
    call.sent_count = told
    call.not_consented_count = found["not_consented"]
    call.unavailable_count = found["unavailable"]
    call.unlicensed_count = found["unlicensed"] if call.licence_required else None
    return call, told


def _of_its_cadre(query: sa.Select, call: SupportCall, user_id) -> sa.Select:
    """The members of the call's cadre, and of its specialty (or with a skill of that name),
    when the call names them; `user_id` is the member's column in `query`."""
    if call.cadre:
        query = query.where(Profile.cadre == call.cadre)
    if call.specialty:
        query = query.where(sa.or_(
            contains(Profile.specialty, call.specialty),
            sa.exists().where(ProfileSkill.user_id == user_id, ProfileSkill.skill_id == Skill.id,
                              contains(Skill.name, call.specialty))))
    return query


def reach(call: SupportCall) -> dict[str, int]:
    """Why a call reached whom it reached, as the desk may read it: of the active members with
    a heritage in the desk's country and the call's cadre (and specialty or skill), how many do
    not share their profile with its desks, how many share it but have no availability over
    the call's dates in a compatible mode, and (when the call asks for one) how many lack a
    licence of the country valid through its last day. One statement, at posting; the page
    shows each count under the disclosure rule (`disclosure.primary`)."""
    from diaspora.auth.models import User
    from diaspora.licensure.models import Licence, Regulator

    country = call.desk.country
    consented = sa.exists().where(DeskSharingConsent.user_id == User.id, DeskSharingConsent.country == country,
                                  DeskSharingConsent.shared.is_(True))
    modes = {"either": MODES, "in_person": ("in_person", "either"), "remote": ("remote", "either")}[call.mode]
    available = sa.exists().where(Availability.user_id == User.id, Availability.starts_on <= call.ends_on,
                                  Availability.ends_on >= call.starts_on, Availability.mode.in_(modes))
    licensed = sa.exists().where(
        Licence.user_id == User.id, Licence.regulator_id == Regulator.id, Regulator.country == country,
        Licence.expires_on >= call.ends_on, sa.or_(Licence.issued_on.is_(None), Licence.issued_on <= call.starts_on))
    if not call.licence_required:
        licensed = sa.true()

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = (sa.select(count(sa.true()), count(~consented), count(sa.and_(consented, ~available)),
                       count(sa.and_(consented, available, ~licensed)))
             .select_from(User).join(Profile, Profile.user_id == User.id)
             .join(ProfileHeritageCountry, sa.and_(ProfileHeritageCountry.user_id == User.id,
                                                   ProfileHeritageCountry.country == country))
             .where(User.active.is_(True), User.deleted_at.is_(None)))
    query = _of_its_cadre(query, call, User.id)
    cadre, not_consented, unavailable, unlicensed = db.session.execute(query).one()
    return {"cadre": int(cadre), "not_consented": int(not_consented), "unavailable": int(unavailable),
            "unlicensed": int(unlicensed)}


def reach_lines(call: SupportCall, threshold: int) -> list[tuple[str, object]]:
    """The counts of `reach` stored at posting, each under the disclosure rule, for the desk."""
    from diaspora.desks.disclosure import primary

    if call.sent_count is None:
        return []
    lines = [(_("Sent to (members who could meet it)"), primary(call.sent_count, threshold)),
             (_("Of the cadre, but not sharing their profile with the country's desks"),
              primary(call.not_consented_count or 0, threshold)),
             (_("Sharing it, but with no availability over these dates"),
              primary(call.unavailable_count or 0, threshold))]
    if call.unlicensed_count is not None:
        lines.append((_("Available, but without a licence of the country valid through the last day"),
                      primary(call.unlicensed_count, threshold)))
    return lines


def matches(call: SupportCall) -> sa.Select:
    """The members who could meet the call and were not told of it yet, in one statement:
    heritage in the desk's country and sharing their profile with its desk; the cadre, and the
    specialty (or a skill), when the call names them; available over some of its dates in a
    compatible mode; and, when it asks, a licence of that country valid through its last day."""
    from diaspora.auth.models import User
    from diaspora.licensure.models import Licence, Regulator

    country = call.desk.country
    query = (
        sa.select(User.id, User.email, User.name, User.locale)
        .join(Profile, Profile.user_id == User.id)
        .join(ProfileHeritageCountry, sa.and_(ProfileHeritageCountry.user_id == User.id,
                                              ProfileHeritageCountry.country == country))
        .join(DeskSharingConsent, sa.and_(DeskSharingConsent.user_id == User.id,
                                          DeskSharingConsent.country == country,
                                          DeskSharingConsent.shared.is_(True)))
        .where(User.active.is_(True), User.deleted_at.is_(None),
               ~sa.exists().where(CallMatch.call_id == call.id, CallMatch.user_id == User.id))
    )
    query = _of_its_cadre(query, call, User.id)
    modes = {"either": MODES, "in_person": ("in_person", "either"), "remote": ("remote", "either")}[call.mode]
    query = query.where(sa.exists().where(
        Availability.user_id == User.id, Availability.starts_on <= call.ends_on,
        Availability.ends_on >= call.starts_on, Availability.mode.in_(modes)))
    if call.licence_required:
        query = query.where(sa.exists().where(
            Licence.user_id == User.id, Licence.regulator_id == Regulator.id, Regulator.country == country,
            Licence.expires_on >= call.ends_on,
            sa.or_(Licence.issued_on.is_(None), Licence.issued_on <= call.starts_on)))
    return query.order_by(User.id)


def notify_matches(call: SupportCall) -> int:
    """A CallMatch for each new match (so no one is told twice) and a mail in their language."""
    found = db.session.execute(matches(call)).all()
    if not found:
        return 0
    now = utcnow()
    db.session.execute(sa.insert(CallMatch), [{"call_id": call.id, "user_id": row.id, "notified_at": now}
                                              for row in found])
    url = absolute("desk_partners.call", call_id=call.id)
    by_locale = defaultdict(list)
    for row in found:
        by_locale[row.locale].append(row)
    for locale, rows in by_locale.items():
        with in_locale(locale):
            queue_emails((row.email, _l("A call for support from %(desk)s", desk=call.desk.name), "desks_call",
                          {"name": row.name, "call": call, "desk": call.desk, "call_url": url,
                           "mode": mode_label(call.mode), "cadre": str(CADRES.get(call.cadre or "", ""))})
                         for row in rows)
    return len(found)


# ---------------------------------------------------------------------------- answers


def answer(user, call: SupportCall, note: str) -> CallMatch:
    if call.status != "open":
        raise DomainError(_("This call is closed."))
    match = db.session.get(CallMatch, (call.id, user.id), with_for_update=True)
    if match is None:
        raise DomainError(_("This call was not sent to you."))
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise DomainError(_("Keep this to 5,000 characters."), field="note")
    first = match.answered_at is None
    match.answered_at = match.answered_at or utcnow()
    match.note = note or None
    db.session.flush()
    audit.record("support_call.answered" if first else "support_call.answer_changed", call, actor=user,
                 subject=user)
    return match


def answers(call: SupportCall) -> sa.Select:
    """Only those who answered: never who else it was sent to."""
    from diaspora.auth.models import User

    return (sa.select(CallMatch).where(CallMatch.call_id == call.id, CallMatch.answered_at.is_not(None))
            .options(sa.orm.selectinload(CallMatch.user).selectinload(User.profile)))


def close(officer, call: SupportCall) -> None:
    if call.status != "open":
        raise DomainError(_("This call is already closed."))
    call.status = "closed"
    db.session.flush()
    audit.record("support_call.closed", call, actor=officer)


def open_calls_for(user, limit: int = 5) -> list[tuple[SupportCall, CallMatch]]:
    """The open calls sent to a member, newest first, in one query (the dashboard's card)."""
    rows = db.session.execute(
        sa.select(SupportCall, CallMatch, Desk).join(CallMatch, CallMatch.call_id == SupportCall.id)
        .join(Desk, Desk.id == SupportCall.desk_id)  # in the identity map: call.desk costs no query
        .where(CallMatch.user_id == user.id, SupportCall.status == "open", SupportCall.ends_on >= today())
        .order_by(CallMatch.notified_at.desc(), SupportCall.id.desc()).limit(limit)).all()
    return [(row[0], row[1]) for row in rows]
