"""A desk's working days: its country's holidays as the `holidays` package lists them, with
Ghana's weekend rule (a holiday on a Saturday or Sunday is observed on the next working day),
and the desk's own corrections — a day added, a listed holiday taken off, each with its source,
audited, kept by the desk's officers and platform admins only. Due dates, the timings
histogram and the calendar page follow them; dates already given to a submitter do not move."""

import html
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from diaspora.core.models import AuditEvent
from diaspora.desks.calendar import calendars, workdays
from diaspora.desks.models import Desk, DeskCalendarDay, DeskOfficer, Submission, SubmissionTiming
from diaspora.desks.submissions import submissions
from diaspora.desks.work import work
from diaspora.extensions import db
from tests.conftest import csrf_token_from, log_in_session
from tests.factories import DeskFactory, UserFactory
from tests.helpers import audit_actions

BARRIER = {"barrier": "licensure", "what_happened": "The council asked me to come in person.",
           "what_would_help": "Online renewal."}
REPUBLIC_DAY_MOVED = ("Public Holidays and Commemorative Days (Amendment) Act, 2025: Republic Day observed on "
                      "Friday 3 July 2026 (Ministry of the Interior)")


@pytest.fixture(autouse=True)
def in_2026(monkeypatch):
    """The calendar takes corrections from last year to five years ahead: 2025 to 2031."""
    monkeypatch.setattr(calendars, "today", lambda: date(2026, 6, 1))


@pytest.fixture
def people(db):
    ghana = DeskFactory(country="GH", name="Ghana Diaspora Desk", acknowledgement_days=1, answer_days=2)
    zimbabwe = DeskFactory(country="ZW", name="Zimbabwe Diaspora Desk", acknowledgement_days=1, answer_days=2)
    nigeria = DeskFactory(country="NG", name="Nigeria Diaspora Desk")
    found = {"ghana": ghana, "zimbabwe": zimbabwe, "nigeria": nigeria,
             "kofi": UserFactory(name="Kofi Mensah"), "tendai": UserFactory(name="Tendai Moyo"),
             "bola": UserFactory(name="Bola Adeyemi"), "admin": UserFactory(admin=True, name="Ada Admin"),
             "member": UserFactory(name="Esi Member")}
    for desk, who in ((ghana, "kofi"), (zimbabwe, "tendai"), (nigeria, "bola")):
        db.session.add(DeskOfficer(desk_id=desk.id, user_id=found[who].id))
    db.session.commit()
    return found


def sent_on(monkeypatch, day: date, member, country: str = "GH") -> Submission:
    """A submission sent on `day`, as the desk's calendar stands now."""
    monkeypatch.setattr(submissions, "today", lambda: day)
    db.session.expire_all()  # a new request: the desk as saved now
    made = submissions.send(member, country=country, topic="barrier_report", title=f"Sent {day}",
                            show_identity=True, answers=BARRIER)
    db.session.commit()
    return made


def client_as(app, user):
    client = app.test_client()
    log_in_session(client, user)
    return client


def calendar_url(desk, year: int) -> str:
    return f"/desks/{desk.id}/calendar?year={year}"


def post(client, desk, year: int, what: str, data: dict):
    """A form of the calendar page, sent as a browser would (the page's token, the prefix)."""
    page = client.get(calendar_url(desk, year)).get_data(as_text=True)
    prefix = "" if what == "undo" else f"{what}-"
    token = re.search(rf'name="{prefix}csrf_token"[^>]*value="([^"]+)"', page).group(1)
    fields = {f"{prefix}{name}": value for name, value in data.items()}
    return client.post(f"/desks/{desk.id}/calendar/{what}?year={year}", data={f"{prefix}csrf_token": token, **fields})


def row_of(page: str, text: str) -> str:
    """The table row holding `text`."""
    return re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(text)}.*?</tr>", page, re.S).group(0)


# ---------------------------------------------------------------------------- Ghana's weekend rule


def test_a_ghana_holiday_on_a_saturday_is_observed_on_the_monday(monkeypatch, people):
    # Christmas Day is Friday 25 December 2026, Boxing Day Saturday 26: Monday 28 is a day off.
    made = sent_on(monkeypatch, date(2026, 12, 24), people["member"])
    assert made.acknowledge_by == date(2026, 12, 29)
    assert made.answer_by == date(2026, 12, 30)


def test_a_ghana_holiday_on_a_sunday_is_observed_on_the_monday(monkeypatch, people):
    # Constitution Day is Sunday 7 January 2029: Monday 8 is a day off.
    assert sent_on(monkeypatch, date(2029, 1, 5), people["member"]).acknowledge_by == date(2029, 1, 9)
    # Christmas on Saturday 25 December 2027, Boxing Day on the Sunday: Monday and Tuesday.
    assert sent_on(monkeypatch, date(2027, 12, 24), people["member"]).acknowledge_by == date(2027, 12, 29)


def test_a_monday_the_government_declared_is_not_counted_twice(monkeypatch, people):
    """2025: Eid-ul-Fitr on Sunday 30 March; the package lists the declared Monday 31 March and
    Tuesday 1 April. The weekend rule takes the declared Monday, not Wednesday 2 April."""
    assert sent_on(monkeypatch, date(2025, 3, 28), people["member"]).acknowledge_by == date(2025, 4, 2)
    observed = [h for h in workdays.country_year("GH", 2025).holidays if h.source == "observed"]
    assert observed == []


def test_nigeria_zimbabwe_and_kenya_keep_the_packages_own_observance(monkeypatch, people):
    # Nigeria: Workers' Day on Saturday 1 May 2027 is observed on Monday 3 May (the package's rule).
    nigeria = workdays.of_desk(people["nigeria"])
    assert nigeria.add_working_days(date(2027, 4, 30), 1) == date(2027, 5, 4)
    # Kenya: Jamhuri Day on Sunday 12 December 2027, observed Monday 13.
    assert workdays.of_country("KE").add_working_days(date(2027, 12, 10), 1) == date(2027, 12, 14)
    assert all(h.source == "package" for h in workdays.country_year("NG", 2027).holidays)


# ---------------------------------------------------------------------------- the desk's corrections


def test_a_midweek_holiday_moved_to_a_friday_is_taken_off_by_the_desk(app, monkeypatch, people):
    """Republic Day, Wednesday 1 July 2026, was observed on Friday 3 July (the package lists the
    Friday, and the Wednesday too). The Ghana desk takes the Wednesday off its calendar: the
    due dates come out right from then on; a date already given to a submitter does not move."""
    before = sent_on(monkeypatch, date(2026, 6, 30), people["member"])
    assert (before.acknowledge_by, before.answer_by) == (date(2026, 7, 2), date(2026, 7, 6))

    kofi = client_as(app, people["kofi"])
    page = kofi.get(calendar_url(people["ghana"], 2026)).get_data(as_text=True)
    assert "Republic Day" in row_of(page, "1 July 2026") and "Wednesday" in row_of(page, "1 July 2026")
    assert "Public Holiday" in row_of(page, "3 July 2026")
    response = post(kofi, people["ghana"], 2026, "remove", {"day": "2026-07-01", "note": REPUBLIC_DAY_MOVED})
    assert response.status_code == 302, response.get_data(as_text=True)

    after = sent_on(monkeypatch, date(2026, 6, 30), people["member"])
    assert (after.acknowledge_by, after.answer_by) == (date(2026, 7, 1), date(2026, 7, 2))
    db.session.expire_all()
    kept = db.session.get(Submission, before.id)
    assert (kept.acknowledge_by, kept.answer_by) == (date(2026, 7, 2), date(2026, 7, 6))

    page = kofi.get(calendar_url(people["ghana"], 2026)).get_data(as_text=True)
    row = row_of(page, "1 July 2026")
    assert "Republic Day" in row and "A working day here" in row and REPUBLIC_DAY_MOVED in row
    assert "Taken off by this desk" in row


def test_a_day_the_desk_adds_is_a_day_off(app, monkeypatch, people):
    """Constitution Day, Thursday 7 January 2027, moved to Friday 8 by executive instrument (the
    package knows nothing of it yet): the desk adds the Friday, then takes the Thursday off."""
    assert sent_on(monkeypatch, date(2027, 1, 6), people["member"]).acknowledge_by == date(2027, 1, 8)
    kofi = client_as(app, people["kofi"])
    added = post(kofi, people["ghana"], 2027, "add", {
        "day": "2027-01-08", "name": "Public Holiday (Constitution Day)",
        "note": "Executive Instrument 1 of 2027, Ministry of the Interior"})
    assert added.status_code == 302, added.get_data(as_text=True)
    assert added.headers["Location"].endswith(calendar_url(people["ghana"], 2027))
    assert sent_on(monkeypatch, date(2027, 1, 6), people["member"]).acknowledge_by == date(2027, 1, 11)

    assert post(kofi, people["ghana"], 2027, "remove", {
        "day": "2027-01-07", "note": "Executive Instrument 1 of 2027: observed on Friday 8 January"}).status_code == 302
    assert sent_on(monkeypatch, date(2027, 1, 6), people["member"]).acknowledge_by == date(2027, 1, 7)

    page = kofi.get(calendar_url(people["ghana"], 2027)).get_data(as_text=True)
    row = row_of(page, "8 January 2027")
    assert "Public Holiday (Constitution Day)" in row and "Added by this desk" in row
    assert "Executive Instrument 1 of 2027, Ministry of the Interior" in row
    assert "The published list of holidays" in row_of(page, "1 January 2027")
    assert "observed on the next working day" in row_of(page, "8 March 2027")  # Independence Day, a Saturday


def test_zimbabwe_takes_off_a_day_its_government_never_declared(app, monkeypatch, people):
    """The package lists Munhumutapa Day (15 September) every year from 2026; the desk takes
    Wednesday 15 September 2027 off, with the government's word. Due dates and the working
    days the timings histogram counts both follow."""
    early = sent_on(monkeypatch, date(2027, 9, 14), people["member"], country="ZW")
    assert early.acknowledge_by == date(2027, 9, 16)
    tendai = client_as(app, people["tendai"])
    response = post(tendai, people["zimbabwe"], 2027, "remove", {
        "day": "2027-09-15", "note": "Ministry of Information, 1 September 2027: no holiday was declared for 2027"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert sent_on(monkeypatch, date(2027, 9, 14), people["member"], country="ZW").acknowledge_by == date(2027, 9, 15)

    monkeypatch.setattr(work, "today", lambda: date(2027, 9, 16))
    db.session.execute(sa.update(Submission).where(Submission.id == early.id).values(
        created_at=datetime(2027, 9, 14, 10)))
    db.session.commit()
    db.session.expire_all()
    submission = db.session.get(Submission, early.id)
    work.act(people["tendai"], submission, "acknowledge", submission.version)
    db.session.commit()
    timings = {(t.country, t.measure, t.working_days): t.count for t in db.session.scalars(
        sa.select(SubmissionTiming).where(SubmissionTiming.count > 0))}
    assert timings == {("ZW", "acknowledge", 2): 1}  # Wednesday 15 and Thursday 16


def test_every_change_is_audited_and_can_be_undone(app, monkeypatch, people):
    kofi = client_as(app, people["kofi"])
    desk = people["ghana"]
    post(kofi, desk, 2027, "add", {"day": "2027-01-08", "name": "Public Holiday", "note": "E.I. 1 of 2027"})
    post(kofi, desk, 2027, "remove", {"day": "2027-01-07", "note": "E.I. 1 of 2027"})
    undone = post(kofi, desk, 2027, "undo", {"day": "2027-01-08"})
    assert undone.status_code == 302
    db.session.expire_all()
    assert audit_actions(desk) == ["desk.calendar_day_added", "desk.calendar_day_removed",
                                   "desk.calendar_change_undone"]
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    assert {event.actor_id for event in events} == {people["kofi"].id}
    assert events[0].changes == {"day": "2027-01-08", "name": "Public Holiday", "note": "E.I. 1 of 2027"}
    assert events[1].changes == {"day": "2027-01-07", "name": "Constitution Day", "note": "E.I. 1 of 2027"}
    assert events[2].changes["day"] == "2027-01-08" and events[2].changes["change"] == "added"
    assert [(row.day, row.change) for row in db.session.scalars(sa.select(DeskCalendarDay))] == [
        (date(2027, 1, 7), "removed")]
    assert sent_on(monkeypatch, date(2027, 1, 6), people["member"]).acknowledge_by == date(2027, 1, 7)


def test_only_the_desks_officers_and_admins_see_or_change_its_calendar(app, people):
    desk = people["ghana"]
    for outsider in (people["bola"], people["tendai"], people["member"]):
        client = client_as(app, outsider)
        assert client.get(calendar_url(desk, 2026)).status_code == 404
        token = csrf_token_from(client.get("/account").get_data(as_text=True))
        response = client.post(f"/desks/{desk.id}/calendar/add?year=2026", data={
            "add-csrf_token": token, "add-day": "2026-08-04", "add-name": "Not mine", "add-note": "Not mine"})
        assert response.status_code == 404
        assert client.post(f"/desks/{desk.id}/calendar/undo", data={"csrf_token": token,
                                                                     "day": "2026-07-01"}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeskCalendarDay)) == 0
    assert app.test_client().get(calendar_url(desk, 2026)).status_code == 302  # to the login page

    admin = client_as(app, people["admin"])
    assert "Republic Day" in admin.get(calendar_url(desk, 2026)).get_data(as_text=True)
    assert post(admin, desk, 2026, "add", {"day": "2026-08-04", "name": "Founders' Day",
                                          "note": "E.I. 5 of 2026"}).status_code == 302
    assert audit_actions(desk) == ["desk.calendar_day_added"]
    # the desk's own officers reach it from the desk's pages; the admin from the desk's settings
    assert f'href="/desks/{desk.id}/calendar"' in client_as(app, people["kofi"]).get(
        f"/desks/{desk.id}/queue").get_data(as_text=True)
    assert f'href="/desks/{desk.id}/calendar"' in admin.get(f"/admin/desks/{desk.id}").get_data(as_text=True)


@pytest.mark.parametrize(("what", "data", "field", "message"), [
    ("add", {"day": "08/01/2027", "name": "Public Holiday", "note": "E.I. 1 of 2027"}, "add-day",
     "Enter a real date, like 2027-03-14."),
    ("add", {"day": "2027-01-08", "name": "Public Holiday", "note": "   "}, "add-note",
     "Say where this comes from: the instrument, the gazette notice or the announcement."),
    ("add", {"day": "3027-01-08", "name": "Public Holiday", "note": "E.I. 1 of 3027"}, "add-day",
     "Choose a day from 1 January 2025 to 31 December 2031."),
    ("add", {"day": "2027-01-09", "name": "Public Holiday", "note": "E.I. 1 of 2027"}, "add-day",
     "That day is a weekend day: it is not a working day either way."),
    ("add", {"day": "2027-01-07", "name": "Public Holiday", "note": "E.I. 1 of 2027"}, "add-day",
     "That day is already a holiday in this calendar."),
    ("add", {"day": "2027-01-08", "name": "", "note": "E.I. 1 of 2027"}, "add-name", "Enter the holiday's name."),
    ("add", {"day": "2027-01-08", "name": "Public Holiday", "note": "x" * 501}, "add-note",
     "Keep the source to 500 characters."),
    ("remove", {"day": "", "note": "E.I. 1 of 2027"}, "remove-day", "Enter the date, like 2027-01-08."),
    ("remove", {"day": "2027-01-12", "note": "E.I. 1 of 2027"}, "remove-day",
     "That day is not a holiday in the list for Ghana: there is nothing to take off."),
    ("remove", {"day": "2027-01-07", "note": ""}, "remove-note",
     "Say where this comes from: the instrument, the gazette notice or the announcement."),
    ("remove", {"day": "1999-01-07", "note": "Gazette of 1998"}, "remove-day",
     "Choose a day from 1 January 2025 to 31 December 2031."),
])
def test_bad_input_comes_back_with_the_error_beside_its_field(app, people, what, data, field, message):
    desk = people["ghana"]
    response = post(client_as(app, people["kofi"]), desk, 2027, what, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in html.unescape(error.group(1)), page
    for name, value in data.items():  # what was typed is still there
        if value.strip() and name != "note":
            assert f'value="{value}"' in page
    assert "Holidays in 2027" in page  # the page, with the year it was on
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeskCalendarDay)) == 0


def test_a_day_can_be_changed_once_and_pages_out_of_range_are_not_found(app, people):
    kofi = client_as(app, people["kofi"])
    desk = people["ghana"]
    post(kofi, desk, 2027, "remove", {"day": "2027-01-07", "note": "E.I. 1 of 2027"})
    again = post(kofi, desk, 2027, "remove", {"day": "2027-01-07", "note": "E.I. 2 of 2027"})
    assert again.status_code == 422
    assert "This desk has already changed that day" in again.get_data(as_text=True)
    nothing = post(kofi, desk, 2027, "undo", {"day": "2027-02-02"})
    assert nothing.status_code == 422 and "This desk has not changed that day." in nothing.get_data(as_text=True)
    assert post(kofi, desk, 2027, "undo", {"day": "not-a-day"}).status_code == 422
    for year in ("3027", "2019", "twenty", "-1", "2026.5"):
        assert kofi.get(f"/desks/{desk.id}/calendar?year={year}").status_code == 404
    assert kofi.get(f"/desks/{desk.id}/calendar").status_code == 200  # this year


# ---------------------------------------------------------------------------- the cache


def test_a_change_reaches_every_process_and_a_rolled_back_one_none(app, people, count_queries):
    """Each process caches a desk's corrections under the desk's calendar token: a change
    replaces the token, so a process that cached the old calendar reads the new one as soon as
    it loads the desk again; a change rolled back leaves the token (and the calendar) as it was."""
    desk = people["ghana"]
    calendar = workdays.of_desk(desk)
    assert not calendar.is_working_day(date(2026, 7, 1))
    with count_queries() as counter:
        workdays.of_desk(desk).add_working_days(date(2026, 6, 30), 30)
    assert counter.count == 0  # from this process's cache

    calendars.remove_day(people["kofi"], desk, date(2026, 7, 1), REPUBLIC_DAY_MOVED)
    assert workdays.of_desk(desk).is_working_day(date(2026, 7, 1))  # cached under the new token...
    db.session.rollback()  # ...which was never committed
    db.session.expire_all()
    desk = db.session.get(Desk, desk.id)
    assert not workdays.of_desk(desk).is_working_day(date(2026, 7, 1))

    calendars.remove_day(people["kofi"], desk, date(2026, 7, 1), REPUBLIC_DAY_MOVED)
    db.session.commit()
    db.session.expire_all()  # another request, as another process would load the desk
    assert workdays.of_desk(db.session.get(Desk, desk.id)).is_working_day(date(2026, 7, 1))


def test_a_desk_that_moves_to_another_country_drops_its_corrections(app, people):
    desk = people["ghana"]
    calendars.remove_day(people["kofi"], desk, date(2026, 7, 1), REPUBLIC_DAY_MOVED)
    db.session.commit()
    from diaspora.desks.setup import setup

    values = {name: getattr(desk, name) for name in setup.FIELDS}
    setup.update_desk(people["admin"], desk, {**values, "country": "SL"}, ["*"], desk.version)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeskCalendarDay)) == 0
    changed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "desk.changed")).one()
    assert changed.changes["calendar_changes_dropped"][0]["day"] == "2026-07-01"
