"""Where a submission goes: the desk that takes its topic in its country, else the country's desk
for every topic, else nowhere (unrouted: the admins are mailed and route it once a desk takes it);
an inactive desk takes nothing new. References are gap-free, per country and year."""

import threading

import pytest
import sqlalchemy as sa

from diaspora.core import transaction
from diaspora.core.time import today
from diaspora.desks.models import ANY_TOPIC, Submission, SubmissionCount
from diaspora.desks.setup import setup
from diaspora.desks.submissions import counts, routing, submissions
from diaspora.extensions import db
from tests.factories import DeskFactory, UserFactory
from tests.helpers import stats_on
from tests.mailserver import text_body

BARRIER = {"barrier": "licensure", "what_happened": "Asked to come in person.", "what_would_help": "Online renewal."}
POLICY = {"policy_area": "Workforce", "document": "The 2025 workforce plan",
          "recommendation": "Recognise UK specialist training."}


def send(user, country: str, topic: str = "barrier_report", title: str = "A barrier") -> Submission:
    answers = BARRIER if topic == "barrier_report" else POLICY
    return submissions.send(user, country=country, topic=topic, title=title, answers=answers, show_identity=True)


@pytest.fixture
def member(db):
    user = UserFactory(name="Ngozi Okafor", email="ngozi@example.org")
    db.session.commit()
    return user


def test_a_desk_that_takes_only_some_topics_gets_only_those(member):
    policy_desk = DeskFactory(country="GH", name="Policy Unit", topics=["policy_input"])
    db.session.commit()
    assert send(member, "GH", "policy_input").desk_id == policy_desk.id
    barrier = send(member, "GH", "barrier_report")
    assert barrier.desk_id is None  # no desk takes barriers in Ghana, and none takes every topic


def test_two_desks_in_one_country_split_the_topics(member):
    policy_desk = DeskFactory(country="GH", name="Policy Unit", topics=["policy_input"])
    general = DeskFactory(country="GH", name="Diaspora Desk", topics=[ANY_TOPIC])
    db.session.commit()
    assert send(member, "GH", "policy_input").desk_id == policy_desk.id
    assert send(member, "GH", "barrier_report").desk_id == general.id  # the country's desk for the rest
    assert routing.desk_for("NG", "barrier_report") is None  # nothing leaks to another country


def test_with_no_desk_the_submission_waits_and_the_admins_are_mailed(client, login, smtp_server, member):
    admin = UserFactory(admin=True, name="Ada Admin", email="ada@example.org")
    UserFactory(admin=True, active=False, email="gone@example.org")
    db.session.commit()
    made = send(member, "SN", title="Nobody takes this yet")
    transaction.commit()
    assert made.desk_id is None and made.acknowledge_by is None
    mail = smtp_server.last_to("ada@example.org")
    assert made.reference in mail["Subject"]
    body = text_body(mail)
    assert "http://localhost/admin/desks/unrouted" in body and made.reference in body
    assert smtp_server.to("gone@example.org") == []

    login(admin)
    dashboard = client.get("/admin").get_data(as_text=True)
    assert stats_on(dashboard)["submission without a desk"] == "1"
    listed = client.get("/admin/desks/unrouted").get_data(as_text=True)
    assert made.reference in listed

    # routing before any desk takes it is refused; once one does, the submission goes there
    page = client.get("/admin/desks/unrouted").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page)
    refused = client.post(f"/admin/desks/unrouted/{made.id}/route", data={"csrf_token": token},
                          follow_redirects=True)
    assert "No active desk takes" in refused.get_data(as_text=True)
    desk = DeskFactory(country="SN", name="Senegal Desk")
    db.session.commit()
    routed = client.post(f"/admin/desks/unrouted/{made.id}/route", data={"csrf_token": token},
                         follow_redirects=True)
    assert "has gone to the desk “Senegal Desk”" in routed.get_data(as_text=True)
    db.session.expire_all()
    made = db.session.get(Submission, made.id)
    assert made.desk_id == desk.id and made.acknowledge_by is not None
    assert made.reference not in client.get("/admin/desks/unrouted").get_data(as_text=True)
    assert stats_on(client.get("/admin").get_data(as_text=True))["submissions without a desk"] == "0"
    assert counts.stored() == counts.recount()


def test_an_inactive_desk_keeps_its_submissions_and_new_ones_fall_back(member):
    admin = UserFactory(admin=True)
    barriers = DeskFactory(country="KE", name="Barriers Desk", topics=["barrier_report"])
    general = DeskFactory(country="KE", name="Kenya Desk", topics=[ANY_TOPIC])
    db.session.commit()
    before = send(member, "KE")
    assert before.desk_id == barriers.id
    setup.set_active(admin, barriers, False)
    after = send(member, "KE")
    assert after.desk_id == general.id  # the fallback for every topic
    assert db.session.get(Submission, before.id).desk_id == barriers.id  # it stays
    setup.set_active(admin, general, False)
    assert send(member, "KE").desk_id is None  # no active desk at all: unrouted
    setup.set_active(admin, barriers, True)
    assert send(member, "KE").desk_id == barriers.id
    assert counts.stored() == counts.recount()
    unrouted = db.session.scalar(sa.select(SubmissionCount.count).where(SubmissionCount.desk_id == 0))
    assert unrouted == 1 and setup.unrouted_count() == 1


def test_references_are_gap_free_per_country_and_year(member):
    DeskFactory(country="NG")
    db.session.commit()
    year = today().year
    made = [send(member, "NG"), send(member, "NG"), send(member, "GH"), send(member, "NG")]
    assert [s.reference for s in made] == [f"NG-{year}-000001", f"NG-{year}-000002", f"GH-{year}-000001",
                                           f"NG-{year}-000003"]


def test_a_rolled_back_submission_gives_its_number_back(member):
    DeskFactory(country="NG")
    db.session.commit()
    send(member, "NG")
    db.session.commit()
    send(member, "NG")
    db.session.rollback()
    again = send(member, "NG")
    assert again.reference.endswith("-000002")


@pytest.mark.postgres_only
def test_two_submissions_at_once_get_consecutive_numbers(app, member):
    """Two threads, two transactions, each sending at the same moment: the row lock on the
    country's sequence makes the second wait, so the numbers are 1 and 2, never a duplicate."""
    DeskFactory(country="NG")
    db.session.commit()
    user_id = member.id
    barrier = threading.Barrier(2)
    errors, numbers = [], []

    def one():
        try:
            with app.app_context():
                from diaspora.auth.models import User

                user = db.session.get(User, user_id)
                barrier.wait(timeout=10)
                made = send(user, "NG")
                numbers.append(made.number)
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(numbers) == [1, 2]
    stored = sorted(db.session.scalars(sa.select(Submission.number).where(Submission.country == "NG")))
    assert stored == [1, 2]
