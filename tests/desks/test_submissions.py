"""A member writes to a ministry: where and what about, the topic's questions, check the
answers, send; the acknowledgement mail says which desk has it and by when; the member follows
the public timeline, adds information, withdraws it."""

import re

import pytest

from diaspora.desks.models import Submission, SubmissionEvent
from diaspora.desks.submissions import counts, submissions
from diaspora.extensions import db
from tests.factories import DeskFactory, MembershipFactory, UserFactory
from tests.helpers import row_count
from tests.mailserver import text_body

BARRIER = {"title": "Licence renewal needs an in-person visit", "barrier": "licensure",
           "what_happened": "The council asked me to come to Abuja to renew.",
           "what_would_help": "Online renewal for diaspora nurses."}
SEND = "/submissions/new?country=NG&topic=barrier_report"


@pytest.fixture
def member(db):
    user = UserFactory(name="Ngozi Okafor", email="ngozi@example.org")
    DeskFactory(country="NG", name="Nigerians in Diaspora Health Desk", ministry="Federal Ministry of Health")
    db.session.commit()
    return user


def test_a_member_checks_the_answers_then_sends_and_is_told_the_reference(client, forms, login, smtp_server,
                                                                         member):
    login(member)
    start = client.get("/submissions/new?country=NG&topic=barrier_report").get_data(as_text=True)
    assert "Nigerians in Diaspora Health Desk" in start and "The barrier you met" in start
    check = forms.submit(SEND, BARRIER)
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "Check your answers" in page
    assert "The council asked me to come to Abuja to renew." in page and "Licensure" in page
    assert row_count(Submission) == 0  # nothing sent before it is confirmed
    sent = forms.submit(SEND, {**BARRIER, "confirmed": "yes"})
    assert sent.status_code == 302
    submission = db.session.query(Submission).one()
    assert re.fullmatch(r"NG-\d{4}-000001", submission.reference)
    assert submission.desk.name == "Nigerians in Diaspora Health Desk"
    mail = smtp_server.last_to("ngozi@example.org")
    assert submission.reference in mail["Subject"]
    body = text_body(mail)
    assert "Nigerians in Diaspora Health Desk" in body and "acknowledge it by" in body
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert submission.reference in page and "Online renewal for diaspora nurses." in page
    assert counts.stored() == counts.recount()


def test_a_missing_answer_comes_back_beside_its_question_with_what_was_typed(forms, login, member):
    login(member)
    response = forms.submit(SEND, {**BARRIER, "what_would_help": "", "barrier": "not-a-barrier"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="what_would_help-error"' in page and "Answer this question." in page
    assert "The council asked me to come to Abuja to renew." in page
    assert row_count(Submission) == 0


def test_the_member_sees_public_replies_but_never_internal_notes(client, forms, login, member):
    made = submissions.send(member, country="NG", topic="barrier_report", title="A barrier", show_identity=False,
                            answers=BARRIER)
    officer = UserFactory()
    made.events.append(SubmissionEvent(kind="reply", author_id=officer.id, body="We are changing the rules."))
    made.events.append(SubmissionEvent(kind="note", author_id=officer.id, body="Internal: ask the council."))
    db.session.commit()
    login(member)
    page = client.get(f"/submissions/{made.id}").get_data(as_text=True)
    assert "We are changing the rules." in page
    assert "Internal: ask the council." not in page and "Internal note" not in page


def test_the_member_adds_information_and_withdraws(client, forms, login, member):
    made = submissions.send(member, country="NG", topic="barrier_report", title="A barrier", show_identity=True,
                            answers=BARRIER)
    db.session.commit()
    login(member)
    url = f"/submissions/{made.id}"
    empty = forms.submit(url, {"body": " "}, action=f"{url}/information")
    assert empty.status_code == 422 and "Write what you want to add." in empty.get_data(as_text=True)
    forms.submit(url, {"body": "I renewed by post in the end."}, action=f"{url}/information")
    assert "I renewed by post in the end." in client.get(url).get_data(as_text=True)
    forms.submit(url, {}, action=f"{url}/withdraw")
    db.session.expire_all()
    assert db.session.get(Submission, made.id).status == "withdrawn"
    assert counts.stored() == counts.recount()
    assert "Add information" not in client.get(url).get_data(as_text=True)


def test_another_member_cannot_open_it(client, login, member):
    made = submissions.send(member, country="NG", topic="barrier_report", title="A barrier", show_identity=True,
                            answers=BARRIER)
    db.session.commit()
    login(UserFactory())
    assert client.get(f"/submissions/{made.id}").status_code == 404


def test_without_a_desk_it_is_kept_unrouted_and_admins_are_told(client, forms, login, smtp_server, db):
    admin = UserFactory(admin=True, email="admin@example.org")
    user = UserFactory(email="tendai@example.org")
    db.session.commit()
    login(user)
    url = "/submissions/new?country=ZW&topic=policy_input"
    answers = {"title": "Retention", "policy_area": "Retention", "document": "Draft strategy",
               "recommendation": "Count diaspora CPD.", "confirmed": "yes"}
    assert forms.submit(url, answers).status_code == 302
    made = db.session.query(Submission).one()
    assert made.desk_id is None and made.reference.startswith("ZW-")
    assert made.reference in smtp_server.last_to(admin.email)["Subject"]


def test_an_officer_writes_for_their_association_which_the_desk_always_sees(forms, login, member):
    running = MembershipFactory(officer=True, association__name="Nigerian Nurses UK")
    db.session.commit()
    login(running.user)
    response = forms.submit(SEND, {**BARRIER, "association": str(running.association.id), "confirmed": "yes"})
    assert response.status_code == 302
    made = db.session.query(Submission).one()
    assert made.association_id == running.association.id and made.show_identity


def test_references_are_per_country_and_year_and_without_gaps(member):
    DeskFactory(country="GH")
    numbers = [submissions.send(member, country=country, topic="barrier_report", title="x", show_identity=False,
                                answers=BARRIER).reference for country in ("NG", "NG", "GH", "NG")]
    assert [n.split("-")[0] + "-" + n.split("-")[2] for n in numbers] == [
        "NG-000001", "NG-000002", "GH-000001", "NG-000003"]
