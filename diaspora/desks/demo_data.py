"""Demo data for the desks: submissions to Ghana's and Nigeria's desks in several states, one
for a country without a desk (unrouted), a correction to the Ghana desk's calendar, an MoU, a
call for support with people who answered, and the engagement figures, so that `make run`
shows each desk page with something real. Added once: skipped when the demo member has already
written to a ministry."""

from datetime import date, timedelta

import sqlalchemy as sa

from diaspora.associations.models import Association, Membership
from diaspora.core.domain import DomainError
from diaspora.core.time import today, utcnow
from diaspora.desks.calendar import calendars, workdays
from diaspora.desks.engagement import engagement
from diaspora.desks.models import CallMatch, Desk, Mou, Submission, SupportCall
from diaspora.desks.submissions import submissions
from diaspora.desks.work import work
from diaspora.extensions import db
from diaspora.members.models import DeskSharingConsent

# Demo content, in English like the rest of the demo data.
WRITTEN = [
    ("GH", "barrier_report", "Renewing my PIN needs a visit to Accra",
     {"barrier": "licensure", "what_happened": "The council asked for original certificates in person.",
      "what_would_help": "Online renewal with verified copies."}, ["acknowledge", "review"]),
    ("GH", "offer_of_support", "Neonatal resuscitation training in the Northern Region",
     {"cadre": "nurse", "skills": "Neonatal resuscitation, simulation teaching", "mode": "either",
      "availability": "Two weeks in March", "regions": "Northern, Savannah"}, ["acknowledge", "resolve"]),
    ("GH", "policy_input", "Count diaspora CPD towards revalidation",
     {"policy_area": "Continuing professional development", "document": "Draft CPD framework 2027",
      "recommendation": "Accept verified diaspora contributions as CPD points."}, []),
    ("NG", "barrier_report", "Recognition of a UK nursing degree",
     {"barrier": "recognition", "what_happened": "My degree was not recognised for registration.",
      "what_would_help": "A published list of recognised degrees."}, ["acknowledge"]),
    ("ZW", "partnership_proposal", "A twinning between Leeds and Harare neonatal units",
     {"partners": "Leeds Teaching Hospitals; Harare Central Hospital", "aim": "Train 40 neonatal nurses.",
      "ask": "A letter of support."}, []),
]

CALL = {"title": "Midwives for a postpartum haemorrhage course in Tamale",
        "description": "Three trainers for a week-long course."}


def load(member, desk_officer, association: Association) -> None:
    if db.session.scalar(sa.select(Submission.id).where(Submission.user_id == member.id).limit(1)):
        return
    desks = {desk.country: desk for desk in db.session.scalars(sa.select(Desk))}
    if "GH" in desks:
        _republic_day_moved(desks["GH"], desk_officer)
    for country, topic, title, answers, actions in WRITTEN:
        made = submissions.send(member, country=country, topic=topic, title=title, answers=answers,
                                show_identity=True)
        for action in actions:
            officer = desk_officer if country == "GH" else member
            if action == "resolve":
                work.reply(officer, made, "Thank you: we have shared your offer with the regional director.",
                           made.version)
            work.act(officer, made, action, made.version,
                     outcome="Passed to the Northern Regional Health Directorate." if action == "resolve" else None)
    _consents(association)
    ghana = desks.get("GH")
    if ghana is not None:
        _mou(ghana, association)
        _call(ghana, association)
    engagement.refresh()


def _republic_day_moved(ghana: Desk, officer) -> None:
    """The Ghana desk's calendar: this year's Republic Day (1 July), when midweek, observed on
    the Friday of its week, as in 2025 and 2026."""
    republic_day = date(today().year, 7, 1)
    if republic_day.weekday() not in (1, 2, 3):
        return
    friday = republic_day + timedelta(days=4 - republic_day.weekday())
    source = ("Public Holidays and Commemorative Days (Amendment) Act, 2025: Republic Day observed on "
              "the Friday (Ministry of the Interior)")
    try:
        calendars.remove_day(officer, ghana, republic_day, source)
        if workdays.of_desk(ghana, fresh=True).is_working_day(friday):
            calendars.add_day(officer, ghana, friday, "Public Holiday (Republic Day)", source)
    except DomainError:  # the list has changed since: nothing to correct
        pass


def _consents(association: Association) -> None:
    """Two in three of the association's active members share their profile with Ghana's desk."""
    members = db.session.scalars(sa.select(Membership.user_id).where(
        Membership.association_id == association.id, Membership.status == Membership.ACTIVE))
    for n, user_id in enumerate(members):
        if n % 3 != 2 and db.session.get(DeskSharingConsent, (user_id, "GH")) is None:
            db.session.add(DeskSharingConsent(user_id=user_id, country="GH", shared=True))
    db.session.flush()


def _mou(desk: Desk, association: Association) -> None:
    db.session.add(Mou(desk_id=desk.id, association_id=association.id, status="signed",
                       scope="Training missions to regional hospitals, and CPD recognition for members.",
                       signed_on=today() - timedelta(days=120), review_on=today() + timedelta(days=245)))
    db.session.flush()


def _call(desk: Desk, association: Association) -> None:
    call = SupportCall(desk_id=desk.id, **CALL, cadre="midwife", region="GH-NP", starts_on=today() + timedelta(days=60),
                       ends_on=today() + timedelta(days=70), mode="in_person", licence_required=True,
                       status="open")
    db.session.add(call)
    db.session.flush()
    people = list(db.session.scalars(sa.select(Membership.user_id).where(
        Membership.association_id == association.id, Membership.status == Membership.ACTIVE).limit(6)))
    for n, user_id in enumerate(people):
        answered = n < 3
        db.session.add(CallMatch(call_id=call.id, user_id=user_id, notified_at=utcnow(),
                                 answered_at=utcnow() if answered else None,
                                 note="I can come for the whole week." if answered else None))
    db.session.flush()
