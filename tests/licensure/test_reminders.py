"""`flask licences remind`: the nearest threshold only, each reminder once for a licence,
threshold and expiry date (however often or however concurrently it runs), only to members who
want them, in the member's language, with a link to the licence; a statement count that does
not grow with the number of licences."""

import contextvars
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.core import transaction
from diaspora.core.i18n import in_locale
from diaspora.core.time import long_date, today
from diaspora.extensions import db
from diaspora.licensure import reminders
from diaspora.licensure.models import Licence, LicenceReminder, ReminderThreshold
from tests.factories import UserFactory
from tests.helpers import audit_actions, row_count
from tests.licensure.samples import a_regulator
from tests.mailserver import html_body, text_body

DAY = timedelta(days=1)


def held(user, expires_in: int | None, *, reminders_on: bool = True, on=None) -> Licence:
    """A licence of `user` expiring `expires_in` days after `on` (today by default)."""
    licence = Licence(user_id=user.id, regulator_id=a_regulator().id, registration_number="NMC/RGN/1",
                      category="full", reminders=reminders_on,
                      expires_on=None if expires_in is None else (on or today()) + timedelta(days=expires_in))
    db.session.add(licence)
    db.session.commit()
    return licence


def run(on=None) -> reminders.RunReport:
    """A run as the CLI makes it: the service, then the commit that sends the first mails."""
    report = reminders.remind(on)
    transaction.commit()
    return report


def sent(report) -> dict[str, int]:
    return {str(threshold): count for threshold, count in report.sent.items() if count}


def subject(message) -> str:
    return str(message["Subject"])  # decoded by the test mail server (email.policy.default)


@pytest.fixture
def member(db):
    user = UserFactory(name="Abena Owusu", email="abena@example.org")
    a_regulator()
    db.session.commit()
    return user


def test_only_the_nearest_threshold_is_sent_then_each_later_one_once(member, smtp_server):
    licence = held(member, 20)  # added 20 days before it expires: the 90-day mail is long past

    assert sent(run()) == {"30": 1}
    [first] = smtp_server.to("abena@example.org")
    expires = long_date(licence.expires_on)
    assert subject(first) == f"Your NMC licence expires in 20 days, on {expires}"
    assert "in 20 days" in text_body(first) and "Renew it before then" in text_body(first)

    for day in range(1, 13):  # the days in between: nothing new, whatever the schedule
        assert sent(run(today() + day * DAY)) == {}
    assert sent(run(today() + 13 * DAY)) == {"7": 1}  # 7 days left
    assert sent(run(today() + 14 * DAY)) == {}
    assert sent(run(today() + 20 * DAY)) == {}  # the expiry day itself: still valid, already told
    assert sent(run(today() + 21 * DAY)) == {"lapsed": 1}  # the day after: lapsed
    assert sent(run(today() + 22 * DAY)) == {}

    subjects = [subject(m) for m in smtp_server.to("abena@example.org")]
    assert subjects == [f"Your NMC licence expires in 20 days, on {expires}",
                        f"Your NMC licence expires in 7 days, on {expires}",
                        f"Your NMC licence has lapsed: it was valid until {expires}"]
    lapse = text_body(smtp_server.to("abena@example.org")[-1])
    assert f"lapsed on {long_date(licence.expires_on + DAY)}" in lapse
    assert "practising with an expired PIN is an offence" in lapse  # the regulator's own words
    assert sorted(r.threshold for r in db.session.scalars(sa.select(LicenceReminder))) == ["30", "7", "lapsed"]
    assert audit_actions(licence).count("licence.reminder_sent") == 3


def test_a_licence_five_days_from_expiry_gets_only_the_7_day_mail(member, smtp_server):
    held(member, 5)
    assert sent(run()) == {"7": 1}
    assert sent(run()) == {}
    assert len(smtp_server.to("abena@example.org")) == 1


def test_each_band_sends_its_own_threshold_and_nothing_outside_them(db, smtp_server):
    people = {days: UserFactory(email=f"in{days}@example.org".replace("-", "minus")) for days in
              (91, 90, 31, 30, 8, 7, 1, 0, -1, -30, -31, -400)}
    for days, user in people.items():
        held(user, days)
    report = run()
    assert sent(report) == {"90": 2, "30": 2, "7": 3, "lapsed": 2}
    told = {m["To"] for m in smtp_server.messages}
    assert told == {people[d].email for d in (90, 31, 30, 8, 7, 1, 0, -1, -30)}
    today_mail = smtp_server.last_to(people[0].email)
    assert subject(today_mail) == f"Your NMC licence expires today, {long_date(today())}"
    assert sent(run()) == {}


def test_a_second_run_the_same_day_sends_nothing(member, smtp_server):
    held(member, 60)
    held(member, 6)
    assert sent(run()) == {"90": 1, "7": 1}
    assert len(smtp_server.to("abena@example.org")) == 2
    assert sent(run()) == {}
    assert len(smtp_server.to("abena@example.org")) == 2
    assert row_count(LicenceReminder) == 2


def test_a_new_expiry_date_starts_the_reminders_again(member, smtp_server):
    licence = held(member, 25)
    assert sent(run()) == {"30": 1}
    licence.expires_on = today() + timedelta(days=365 + 25)  # renewed for a year
    db.session.commit()
    assert sent(run(today() + 365 * DAY)) == {"30": 1}
    assert len(smtp_server.to("abena@example.org")) == 2


def test_a_run_dated_earlier_after_a_later_one_sends_nothing_older(member, smtp_server):
    held(member, 20)
    assert sent(run(today() + 15 * DAY)) == {"7": 1}  # someone ran it with --today in the future
    assert sent(run()) == {}  # the 30-day mail would now be older news than what was sent


def test_nobody_who_turned_reminders_off_or_whose_account_is_closed_is_reminded(db, smtp_server):
    quiet = UserFactory(email="quiet@example.org")
    closed = UserFactory(email="closed@example.org", active=False)
    held(quiet, 20, reminders_on=False)
    held(closed, 20)
    held(UserFactory(email="unknown@example.org"), None)
    assert sent(run()) == {}
    assert smtp_server.messages == []
    assert row_count(LicenceReminder) == 0  # turned on again later, the nearest one still comes
    licence = db.session.scalar(sa.select(Licence).where(Licence.user_id == quiet.id))
    licence.reminders = True
    db.session.commit()
    assert sent(run()) == {"30": 1}
    assert [m["To"] for m in smtp_server.messages] == ["quiet@example.org"]


def test_the_mail_reaches_the_server_in_the_members_language_with_a_link_to_the_licence(db, smtp_server):
    french = UserFactory(name="Awa Diallo", email="awa@example.org", locale="fr")
    english = UserFactory(name="Kofi Mensah", email="kofi@example.org", locale="en")
    french_licence, english_licence = held(french, 20), held(english, 20)

    run()

    mail = smtp_server.last_to("awa@example.org")
    with in_locale("fr"):
        french_date = long_date(french_licence.expires_on)
    with in_locale("en"):
        english_date = long_date(english_licence.expires_on)
    assert french_date != english_date  # e.g. "1 mars 2027" and "1 March 2027"
    assert french_date in subject(mail)
    assert french_date in text_body(mail) and english_date not in text_body(mail)
    assert '<html lang="fr">' in html_body(mail)
    assert text_body(mail).startswith("Bonjour Awa Diallo,")  # a greeting the catalogue already translates
    link = f"http://localhost/licences/{french_licence.id}"
    assert link in text_body(mail)
    assert f'href="{link}"' in html_body(mail)
    assert f"http://localhost/licences/{french_licence.id}/edit" in text_body(mail)  # how to stop them

    other = smtp_server.last_to("kofi@example.org")
    assert english_date in text_body(other) and '<html lang="en">' in html_body(other)
    assert f"http://localhost/licences/{english_licence.id}" in text_body(other)
    assert "Hello Kofi Mensah," in text_body(other)


def test_the_statement_count_does_not_grow_with_the_number_of_licences(db, count_queries):
    def statements_for(people: int, offset: int) -> tuple[int, int]:
        for n in range(people):
            user = UserFactory(email=f"p{offset + n}@example.org", locale=("en", "fr", "pt")[n % 3])
            held(user, (20, 60, 5, -3, 200)[n % 5])
        with count_queries() as first:
            reminders.remind()
            db.session.flush()
        transaction.rollback()  # the same licences again next time
        with count_queries() as none_due:
            reminders.remind(today() + 300 * DAY)
            db.session.flush()
        transaction.rollback()
        return first.count, none_due.count

    few = statements_for(5, 0)
    many = statements_for(60, 100)  # 12 times as many licences (and mails), in the same languages
    assert many == few, f"{few} statements for 5 licences, {many} for 65"
    assert few[1] == len(reminders.BANDS)  # a day with nothing due: one INSERT ... SELECT per threshold


def test_the_command_prints_what_it_sent_and_loads_the_catalogue(app, member, smtp_server):
    held(member, 20)
    held(member, -2)
    runner = app.test_cli_runner()
    result = contextvars.Context().run(runner.invoke, args=["licences", "remind"])
    assert result.exit_code == 0, result.output
    assert (f"Licence reminders for {today().isoformat()}: 90 days before: 0, 30 days before: 1, "
            "7 days before: 0, lapsed: 1. 2 emails sent or queued.") in result.output
    assert len(smtp_server.to("abena@example.org")) == 2
    again = contextvars.Context().run(runner.invoke, args=["licences", "remind"])
    assert "2 emails" not in again.output and "0 emails sent or queued." in again.output
    later = contextvars.Context().run(runner.invoke, args=["licences", "remind", "--today",
                                                           (today() + 13 * DAY).isoformat()])
    assert "7 days before: 1" in later.output

    loaded = contextvars.Context().run(runner.invoke, args=["licences", "load-reference"])
    assert loaded.exit_code == 0, loaded.output
    assert "0 regulators added" in loaded.output  # the member fixture loaded them already
    assert "countries of the safeguards list added" in loaded.output


@pytest.mark.postgres_only
def test_two_runs_at_once_send_each_reminder_once(app, db, smtp_server, is_postgres):
    """Two cron runs started together, each with its own app context and session: the second
    waits on the first's rows in licence_reminders and skips them (ON CONFLICT DO NOTHING)."""
    assert is_postgres
    people = [UserFactory(email=f"twice{n}@example.org") for n in range(40)]
    for n, user in enumerate(people):
        held(user, (60, 20, 5, -2)[n % 4])
    smtp_server.delay = 0.01
    start = threading.Barrier(2)
    reports, errors = [], []

    def cron():
        try:
            with app.app_context():
                start.wait()
                report = reminders.remind()
                transaction.commit()
                reports.append(report)
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=cron) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    smtp_server.delay = 0.0

    assert errors == []
    assert len(reports) == 2
    assert sum(report.total for report in reports) == 40
    from diaspora.core import outbox

    outbox.send_due(ignore_schedule=True)  # what `flask outbox send` does with the rest
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == sorted(user.email for user in people)  # each exactly once
    assert row_count(LicenceReminder) == 40
    counts = dict(db.session.execute(sa.select(LicenceReminder.threshold, sa.func.count())
                                     .group_by(LicenceReminder.threshold)).all())
    assert counts == {ReminderThreshold.DAYS_90: 10, ReminderThreshold.DAYS_30: 10,
                      ReminderThreshold.DAYS_7: 10, ReminderThreshold.LAPSED: 10}
