"""What the desks add to the suite-wide tests (see tests/samples.py). Each tenant gets a desk
for its heritage country and a submission by its member; the world's desk officer works a desk
of another country ("ZA") and must see none of it."""

import io
from datetime import date, timedelta

from werkzeug.datastructures import FileStorage

from diaspora.core.files import store_upload
from diaspora.core.time import today, utcnow
from diaspora.desks.calendar import workdays
from diaspora.desks.models import CallMatch, Desk, DeskCalendarDay, Mou, SupportCall
from diaspora.desks.submissions import submissions
from diaspora.extensions import db
from tests.factories import DeskFactory, DeskOfficerFactory
from tests.samples import (
    DESK_OFFICER,
    OFFICER,
    OWN_OFFICER,
    OWNER,
    Person,
    Tenant,
    admins,
    insiders,
    kind_sample,
    open_to_outsiders,
    own_sample,
    person_sample,
)

# Platform admins set desks up and route the submissions no desk took; they may read any MoU.
open_to_outsiders("desk", "view", admins)
open_to_outsiders("desk", "manage", admins)
open_to_outsiders("desk", "calendar", admins)  # they keep desks' working-day calendars too
open_to_outsiders("submission", "route", admins)
open_to_outsiders("mou", "view", admins)

# Inside: the tenant's desk (its heritage country's) works its submissions, canned replies, MoUs
# and calls; a submission is also its submitter's, a call its matched members', an MoU is read by
# the association's officers. Nobody else in the association sees the desk's work.
insiders("desk", "view", DESK_OFFICER)
insiders("desk", "work", DESK_OFFICER)
insiders("desk", "manage")  # admins only
insiders("desk", "calendar", DESK_OFFICER)  # and admins
insiders("submission", "view", OWNER, OWN_OFFICER, DESK_OFFICER)
insiders("submission", "change", OWNER, OWN_OFFICER)
insiders("submission", "work", DESK_OFFICER)
insiders("submission", "route")  # admins only
insiders("canned_reply", "view", DESK_OFFICER)
insiders("canned_reply", "manage", DESK_OFFICER)
insiders("mou", "view", OFFICER, DESK_OFFICER)
insiders("mou", "manage", DESK_OFFICER)
insiders("support_call", "view", OWNER, DESK_OFFICER)
insiders("support_call", "answer", OWNER)
insiders("support_call", "manage", DESK_OFFICER)

MOU_PDF = b"%PDF-1.4\n% a memorandum of understanding\n"


def desk_of(tenant: Tenant) -> Desk:
    desk = tenant.extra.get("desk")
    if desk is None:
        desk = db.session.query(Desk).filter_by(country=tenant.heritage).first() or DeskFactory(
            country=tenant.heritage, name=f"Desk of tenant {tenant.label}")
        tenant.extra["desk"] = desk
        tenant.people[DESK_OFFICER] = DeskOfficerFactory(desk=desk).user
    return desk


@kind_sample("desk")
def desk(tenant: Tenant) -> dict:
    """The tenant's desk, with a day its calendar adds (its calendar page has a change to undo)."""
    made = desk_of(tenant)
    calendar = workdays.of_desk(made, fresh=True)
    day = date(today().year + 1, 2, 1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    db.session.add(DeskCalendarDay(desk_id=made.id, day=day, change="added", name="Declared holiday",
                                   note="Executive Instrument 1 of next year"))
    db.session.flush()
    return {"desk_id": made.id}


@kind_sample("submission")
def submission(tenant: Tenant) -> dict:
    made = submissions.send(tenant.member, country=desk_of(tenant).country, topic="barrier_report",
                            title=tenant.secret("submission"), show_identity=True, answers={
                                "barrier": "licensure", "what_happened": tenant.secret("what-happened"),
                                "what_would_help": tenant.secret("help")})
    tenant.extra["submission"] = made
    return {"desk_id": made.desk_id, "submission_id": made.id}


@own_sample("submission")
def officers_own_submission(tenant: Tenant) -> dict:
    """The association's officer writes to the desk themselves."""
    made = submissions.send(tenant.officer, country=desk_of(tenant).country, topic="barrier_report",
                            title=tenant.secret("own-submission"), show_identity=True, answers={
                                "barrier": "licensure", "what_happened": "A delay", "what_would_help": "Speed"})
    return {"desk_id": made.desk_id, "submission_id": made.id}


@person_sample
def a_submission_with_information_added(person: Person) -> None:
    DeskFactory(country="KE")
    made = submissions.send(person.user, country="KE", topic="policy_input", title=person.mark("title"),
                            show_identity=True, answers={"policy_area": person.mark("area"),
                                                         "document": person.mark("document"),
                                                         "recommendation": person.mark("recommendation")})
    submissions.add_information(person.user, made, person.mark("more"))


@kind_sample("mou")
def mou(tenant: Tenant) -> dict:
    """An MoU of the tenant's desk with the tenant's association: its scope is secret."""
    document = store_upload(FileStorage(stream=io.BytesIO(MOU_PDF), filename="mou.pdf",
                                        content_type="application/pdf"), tenant.officer)
    made = Mou(desk_id=desk_of(tenant).id, association_id=tenant.association.id, scope=tenant.secret("mou-scope"),
               signed_on=today() - timedelta(days=30), status="signed", document_id=document.id)
    db.session.add(made)
    db.session.flush()
    return {"mou_id": made.id}


@kind_sample("support_call")
def support_call(tenant: Tenant) -> dict:
    """A call of the tenant's desk, sent to the tenant's member, who answered with a note."""
    made = SupportCall(desk_id=desk_of(tenant).id, title=tenant.secret("call"), description=tenant.secret("need"),
                       starts_on=today() + timedelta(days=10), ends_on=today() + timedelta(days=20), mode="either")
    db.session.add(made)
    db.session.flush()
    db.session.add(CallMatch(call_id=made.id, user_id=tenant.member.id, answered_at=utcnow(),
                             note=tenant.secret("call-note")))
    db.session.flush()
    return {"call_id": made.id}


@person_sample
def an_answer_to_a_call_for_support(person: Person) -> None:
    desk = DeskFactory(country="UG")
    made = SupportCall(desk_id=desk.id, title="Surgeons for a camp", starts_on=today() + timedelta(days=5),
                       ends_on=today() + timedelta(days=9), mode="in_person")
    db.session.add(made)
    db.session.flush()
    db.session.add(CallMatch(call_id=made.id, user_id=person.user.id, answered_at=utcnow(),
                             note=person.mark("call-note")))
    db.session.flush()


# ---------------------------------------------------------------------------- the desk officers' work


@kind_sample("canned_reply")
def canned_reply(tenant: Tenant) -> dict:
    """A canned reply of the tenant's desk: its title and text are the desk's own."""
    from diaspora.desks.models import CannedReply

    made = CannedReply(desk_id=desk_of(tenant).id, title=tenant.secret("canned-title"),
                       body=tenant.secret("canned-body"))
    db.session.add(made)
    db.session.flush()
    return {"desk_id": made.desk_id, "reply_id": made.id}


@person_sample
def a_desk_officers_internal_note_and_assignment(person: Person) -> None:
    """They work a desk: they took a submission and wrote an internal note on it (the note
    is theirs; the submission stays the submitter's and the ministry's)."""
    from diaspora.desks.models import DeskOfficer
    from diaspora.desks.work import work

    desk = DeskFactory(country="RW")
    db.session.add(DeskOfficer(desk_id=desk.id, user_id=person.user.id))
    db.session.flush()
    made = submissions.send(person.officer, country="RW", topic="policy_input", title="Retention of nurses",
                            show_identity=False, answers={"policy_area": "Workforce", "document": "Plan 2030",
                                                          "recommendation": "Bonding schemes"})
    work.assign(person.user, made, person.user.id, made.version)
    work.note(person.user, made, person.mark("internal-note"), made.version)
    work.act(person.user, made, "acknowledge", made.version)
