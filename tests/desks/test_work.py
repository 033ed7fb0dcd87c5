"""A desk officer works the desk's submissions: the queue (only the desk's, filtered, overdue
marked, identities withheld), the state machine's actions and refusals, public replies mailed
in the submitter's language, internal notes the submitter never sees, two officers at once,
answering several together, canned replies, the daily overdue reminder, and the working days
the dashboard's timings count."""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from diaspora.core.time import today
from diaspora.desks.models import CannedReply, DeskOfficer, DeskReminder, Submission, SubmissionEvent, SubmissionTiming
from diaspora.desks.submissions import counts, submissions
from diaspora.desks.work import work
from diaspora.extensions import db
from tests.api.support import bearer, personal_token
from tests.conftest import csrf_token_from, log_in_session
from tests.factories import AssociationFactory, DeskFactory, MembershipFactory, UserFactory
from tests.helpers import audit_actions
from tests.mailserver import text_body

BARRIER = {"barrier": "licensure", "what_happened": "The council asked me to come to Abuja.",
           "what_would_help": "Online renewal for diaspora nurses."}
POLICY = {"policy_area": "Retention", "document": "The workforce plan", "recommendation": "Bonding schemes."}


@pytest.fixture
def desks(db):
    """Two desks in Nigeria (barrier reports; policy input), one in Ghana, an officer each
    (two at the first), and a submitter who reads French."""
    barriers = DeskFactory(country="NG", name="Barriers Desk", topics=["barrier_report"])
    policy = DeskFactory(country="NG", name="Policy Desk", topics=["policy_input"])
    ghana = DeskFactory(country="GH", name="Ghana Desk")
    people = {
        "ada": UserFactory(name="Ada Officer", email="ada@health.gov.ng"),
        "bola": UserFactory(name="Bola Officer", email="bola@health.gov.ng"),
        "chidi": UserFactory(name="Chidi Policy", email="chidi@health.gov.ng"),
        "kofi": UserFactory(name="Kofi Ghana", email="kofi@health.gov.gh"),
        "ngozi": UserFactory(name="Ngozi Okafor", email="ngozi@example.org", locale="fr"),
    }
    for desk, who in ((barriers, "ada"), (barriers, "bola"), (policy, "chidi"), (ghana, "kofi")):
        db.session.add(DeskOfficer(desk_id=desk.id, user_id=people[who].id))
    db.session.commit()
    return {"barriers": barriers, "policy": policy, "ghana": ghana, **people}


def send(user, title: str, *, topic: str = "barrier_report", show_identity: bool = True, association=None,
         country: str = "NG") -> Submission:
    made = submissions.send(user, country=country, topic=topic, title=title, show_identity=show_identity,
                            answers=BARRIER if topic == "barrier_report" else POLICY, association=association)
    db.session.commit()
    return made


def client_as(app, user):
    client = app.test_client()
    log_in_session(client, user)
    return client


def post(client, page_url: str, action: str, data: dict):
    """Submit a form of `page_url` the way a browser would: the page's token and version."""
    page = client.get(page_url).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page)
    payload = {"csrf_token": csrf_token_from(page), **({"version": version.group(1)} if version else {}), **data}
    return client.post(action, data=payload)


def work_url(submission) -> str:
    return f"/desks/{submission.desk_id}/submissions/{submission.id}"


def fresh(submission) -> Submission:
    """The submission as saved now (the requests ran in their own sessions)."""
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def consistent() -> bool:
    db.session.expire_all()
    return counts.stored() == counts.recount()


# ---------------------------------------------------------------------------- the queue


def test_the_queue_shows_only_the_desks_own_submissions(app, desks):
    barrier = send(desks["ngozi"], "Licence renewal needs a visit")
    policy = send(desks["ngozi"], "Retention policy idea", topic="policy_input")
    assert barrier.desk_id == desks["barriers"].id and policy.desk_id == desks["policy"].id

    ada = client_as(app, desks["ada"])
    page = ada.get(f"/desks/{desks['barriers'].id}/queue").get_data(as_text=True)
    assert "Licence renewal needs a visit" in page and barrier.reference in page
    assert "Retention policy idea" not in page and policy.reference not in page

    chidi = client_as(app, desks["chidi"])
    page = chidi.get(f"/desks/{desks['policy'].id}/queue").get_data(as_text=True)
    assert "Retention policy idea" in page and "Licence renewal needs a visit" not in page
    # the other desk of the same country: neither its queue nor its submissions
    assert chidi.get(f"/desks/{desks['barriers'].id}/queue").status_code == 404
    assert chidi.get(work_url(barrier)).status_code == 404
    assert chidi.get(f"/desks/{desks['policy'].id}/submissions/{barrier.id}").status_code == 404


def test_a_ghana_desk_officer_gets_404_on_a_nigeria_submission(app, desks):
    barrier = send(desks["ngozi"], "Licence renewal needs a visit")
    kofi = client_as(app, desks["kofi"])
    assert kofi.get(work_url(barrier)).status_code == 404
    assert kofi.get(f"/desks/{desks['ghana'].id}/submissions/{barrier.id}").status_code == 404
    token = csrf_token_from(kofi.get(f"/desks/{desks['ghana'].id}/queue").get_data(as_text=True))
    response = kofi.post(f"{work_url(barrier)}/reply", data={"csrf_token": token, "version": "1", "body": "Hi"})
    assert response.status_code == 404
    assert [e.kind for e in fresh(barrier).events] == ["status"]


def test_the_queue_filters_by_topic_status_assignee_and_overdue(app, desks):
    everything = DeskFactory(country="KE", name="Kenya Desk")
    officer = desks["ada"]
    db.session.add(DeskOfficer(desk_id=everything.id, user_id=officer.id))
    db.session.commit()
    old = send(desks["ngozi"], "An old barrier", country="KE")
    send(desks["ngozi"], "A new policy idea", topic="policy_input", country="KE")
    mine = send(desks["ngozi"], "A barrier I took", country="KE")
    work.assign(officer, mine, officer.id, mine.version)
    work.act(officer, mine, "acknowledge", mine.version)
    db.session.execute(sa.update(Submission).where(Submission.id == old.id).values(
        acknowledge_by=today() - timedelta(days=2), created_at=datetime(2026, 1, 5, 9)))
    db.session.commit()

    client = client_as(app, officer)
    queue = f"/desks/{everything.id}/queue"

    def titles(**args) -> list[str]:
        page = client.get(queue, query_string=args).get_data(as_text=True)
        return [t for t in ("An old barrier", "A new policy idea", "A barrier I took") if t in page]

    assert titles() == ["An old barrier", "A new policy idea", "A barrier I took"]
    assert titles(topic="policy_input") == ["A new policy idea"]
    assert titles(status="acknowledged") == ["A barrier I took"]
    assert titles(assignee="me") == ["A barrier I took"]
    assert titles(assignee="unassigned") == ["An old barrier", "A new policy idea"]
    assert titles(overdue="1") == ["An old barrier"]
    page = client.get(queue, query_string={"sort": "due"}).get_data(as_text=True)
    assert page.index("An old barrier") < page.index("A new policy idea")  # the oldest, soonest due, first
    newest = client.get(queue).get_data(as_text=True)
    assert newest.index("A barrier I took") < newest.index("An old barrier")
    # the counts per status, from the counter
    assert re.search(r'stat__number">2</span>\s*<span class="stat__label">Submitted', newest)
    assert re.search(r'stat__number">1</span>\s*<span class="stat__label">Acknowledged', newest)
    assert client.get(queue, query_string={"after": "not-a-cursor"}).status_code == 404


def test_only_the_overdue_are_listed_by_the_date_they_were_due(app, desks):
    """Past its acknowledgement date while submitted, or past its answer date while open: the
    date the database keeps (`due_on`) follows the status, so acknowledging a submission late
    takes it off the list until its answer date, and closing it takes it off for good."""
    ada, desk = desks["ada"], desks["barriers"]
    made = {title: send(desks["ngozi"], title) for title in (
        "Unacknowledged, 3 days late", "Acknowledged, answer 1 day late", "Acknowledged late, answer not due",
        "Closed, long past", "Not due yet")}
    dates = {"Unacknowledged, 3 days late": (3, -20), "Acknowledged, answer 1 day late": (30, 1),
             "Acknowledged late, answer not due": (5, -10), "Closed, long past": (60, 40), "Not due yet": (-2, -20)}
    for title, (acknowledge_late, answer_late) in dates.items():
        db.session.execute(sa.update(Submission).where(Submission.id == made[title].id).values(
            acknowledge_by=today() - timedelta(days=acknowledge_late), answer_by=today() - timedelta(days=answer_late)))
    db.session.commit()
    for title in ("Acknowledged, answer 1 day late", "Acknowledged late, answer not due", "Closed, long past"):
        db.session.refresh(made[title])
        work.act(ada, made[title], "acknowledge", made[title].version)
    db.session.refresh(made["Closed, long past"])
    work.act(ada, made["Closed, long past"], "close", made["Closed, long past"].version, outcome="Dealt with.")
    db.session.commit()

    client = client_as(app, ada)

    def titles(**args) -> list[str]:
        page = client.get(f"/desks/{desk.id}/queue", query_string={"overdue": "1", **args}).get_data(as_text=True)
        return sorted((page.index(title), title) for title in dates if title in page)

    # Newest first: the most recently due; oldest first: the longest overdue.
    assert [title for _at, title in titles()] == ["Acknowledged, answer 1 day late", "Unacknowledged, 3 days late"]
    assert [title for _at, title in titles(sort="due")] == ["Unacknowledged, 3 days late",
                                                            "Acknowledged, answer 1 day late"]
    secret = personal_token(ada)
    listed = client.get(f"/api/v1/desks/{desk.id}/queue", query_string={"overdue": "1", "per_page": 1},
                        headers=bearer(secret)).get_json()
    assert [item["title"] for item in listed["items"]] == ["Acknowledged, answer 1 day late"]
    after = client.get(listed["next"].removeprefix("http://localhost"), headers=bearer(secret)).get_json()
    assert [item["title"] for item in after["items"]] == ["Unacknowledged, 3 days late"] and after["next"] is None


def test_the_queue_marks_overdue_in_words_and_withholds_identities(app, desks):
    hidden = send(desks["ngozi"], "A barrier, anonymously", show_identity=False)
    shown = send(UserFactory(name="Emeka Named"), "A barrier, signed")
    association = AssociationFactory(name="Nigerian Nurses UK")
    officer = MembershipFactory(association=association, officer=True, user=UserFactory(name="Funmi Secretary")).user
    from_association = send(officer, "A barrier, from the association", association=association)
    db.session.execute(sa.update(Submission).where(Submission.id == hidden.id).values(
        answer_by=today() - timedelta(days=1)))
    db.session.commit()

    page = client_as(app, desks["ada"]).get(f"/desks/{desks['barriers'].id}/queue").get_data(as_text=True)
    rows = {s.title: re.search(rf"{re.escape(s.reference)}.*?</tr>", page, re.S).group(0)
            for s in (hidden, shown, from_association)}
    assert "Identity withheld" in rows["A barrier, anonymously"] and "Ngozi" not in page
    assert "Emeka Named" in rows["A barrier, signed"]
    assert "Nigerian Nurses UK" in rows["A barrier, from the association"]
    assert "Overdue" in rows["A barrier, anonymously"]
    assert "Overdue" not in rows["A barrier, signed"]
    work_page = client_as(app, desks["ada"]).get(work_url(hidden)).get_data(as_text=True)
    assert "Identity withheld" in work_page and "Ngozi" not in work_page
    assert "The council asked me to come to Abuja." in work_page and "Licensure" in work_page


def test_the_queue_costs_the_same_however_many_submissions_it_has(app, desks, count_queries):
    client = client_as(app, desks["ada"])
    queue = f"/desks/{desks['barriers'].id}/queue"
    association = AssociationFactory(name="Nigerian Nurses UK")
    officer = MembershipFactory(association=association, officer=True).user

    def statements() -> int:
        client.get(queue)  # warm: the session's user, the templates
        with count_queries() as counter:
            assert client.get(queue).status_code == 200
        return counter.count

    for number in range(3):
        send(desks["ngozi"], f"Few {number}")
    send(officer, "From an association", association=association)
    few = statements()
    for number in range(30):
        made = send(UserFactory(), f"Many {number}", show_identity=number % 2 == 0)
        work.assign(desks["ada"], made, desks["bola"].id, made.version)
    db.session.commit()
    assert statements() == few


def test_the_queue_reads_names_not_whole_accounts_in_one_statement(app, desks, count_queries):
    """The queue's page loads its submissions with the submitter's and assignee's names and the
    association's name in one statement: no account's e-mail, password hash or second factor,
    and not the submissions' answers, which the page does not show."""
    client = client_as(app, desks["ada"])
    queue = f"/desks/{desks['barriers'].id}/queue"
    association = AssociationFactory(name="Nigerian Nurses UK")
    officer = MembershipFactory(association=association, officer=True).user
    made = send(desks["ngozi"], "A signed one", show_identity=True)
    work.assign(desks["ada"], made, desks["bola"].id, made.version)
    send(officer, "From an association", association=association)
    db.session.commit()
    client.get(queue)
    with count_queries() as counter:
        page = client.get(queue).get_data(as_text=True)
    listing = [statement for statement in counter.statements if "FROM submissions" in statement
               and "LEFT OUTER JOIN users" in statement]
    assert len(listing) == 1, counter.statements
    selected = listing[0].split(" FROM submissions")[0]
    assert "users_1.name" in selected and "associations_1.name" in selected
    for column in ("email", "password_hash", "session_token", "totp_secret", "submissions.answers",
                   "submissions.outcome", "associations_1.description"):
        assert column not in selected, column
    assert desks["bola"].name in page  # the assignee's name, from that statement
    assert "Nigerian Nurses UK" in page


# ---------------------------------------------------------------------------- the state machine


def test_acknowledge_review_resolve_with_the_machines_refusals(app, desks, smtp_server):
    submission = send(desks["ngozi"], "Licence renewal needs a visit")
    client = client_as(app, desks["ada"])
    url = work_url(submission)
    page = client.get(url).get_data(as_text=True)
    assert "Acknowledge it" in page and "Resolve it with this outcome" in page

    assert post(client, url, f"{url}/acknowledge", {}).status_code == 302
    assert fresh(submission).status == "acknowledged" and consistent()
    # a form from before, sent again: the machine refuses (with the version of now)
    refused = post(client, url, f"{url}/acknowledge", {})
    assert refused.status_code == 422 and "Only a new submission can be acknowledged." in refused.get_data(
        as_text=True)
    assert "Acknowledge it" not in client.get(url).get_data(as_text=True)

    assert post(client, url, f"{url}/review", {}).status_code == 302
    assert fresh(submission).status == "in_review" and consistent()
    no_outcome = post(client, url, f"{url}/resolve", {"outcome": "  "})
    assert no_outcome.status_code == 422
    assert "Say what the outcome is: the submitter reads it." in no_outcome.get_data(as_text=True)

    smtp_server.clear()
    assert post(client, url, f"{url}/resolve", {"outcome": "The council now renews online."}).status_code == 302
    db.session.expire_all()
    resolved = fresh(submission)
    assert resolved.status == "resolved" and resolved.outcome == "The council now renews online."
    assert resolved.answered_at is not None and resolved.acknowledged_at is not None and consistent()
    body = text_body(smtp_server.last_to("ngozi@example.org"))
    assert "Bonjour" in body and "The council now renews online." in body
    assert f"/submissions/{submission.id}" in body

    for action in ("review", "close", "resolve"):
        again = post(client, url, f"{url}/{action}", {"outcome": "Again"})
        assert again.status_code == 422
    assert "Only a new or acknowledged submission can go into review." in post(
        client, url, f"{url}/review", {}).get_data(as_text=True)
    assert [a for a in audit_actions(submission) if a != "submission.sent"] == [
        "submission.acknowledge", "submission.review", "submission.resolve"]
    timings = {(t.measure, t.count) for t in db.session.scalars(sa.select(SubmissionTiming))}
    assert timings == {("acknowledge", 1), ("answer", 1)}


def test_close_and_withdrawn_submissions(app, desks):
    closed = send(desks["ngozi"], "Not for this ministry")
    work.act(desks["ada"], closed, "close", closed.version, "This is for the Nursing Council.")
    withdrawn = send(desks["ngozi"], "Withdrawn later")
    submissions.withdraw(desks["ngozi"], withdrawn)
    db.session.commit()
    assert closed.status == "closed" and consistent()
    client = client_as(app, desks["ada"])
    page = client.get(work_url(withdrawn)).get_data(as_text=True)
    assert "Send the reply" not in page and "Acknowledge it" not in page
    with pytest.raises(work.DomainError):
        work.reply(desks["ada"], withdrawn, "Hello", withdrawn.version)


# ---------------------------------------------------------------------------- replies and notes


def test_a_public_reply_is_mailed_in_the_submitters_language_and_a_note_is_never_shown(app, desks, smtp_server):
    submission = send(desks["ngozi"], "Licence renewal needs a visit")
    officer = client_as(app, desks["ada"])
    url = work_url(submission)
    smtp_server.clear()
    empty = post(officer, url, f"{url}/reply", {"body": " "})
    assert empty.status_code == 422 and "Write your reply." in empty.get_data(as_text=True)
    assert post(officer, url, f"{url}/reply", {"body": "We are asking the council about it."}).status_code == 302
    assert post(officer, url, f"{url}/note", {"note": "Ask Dr Bello at the council."}).status_code == 302

    mail = smtp_server.last_to("ngozi@example.org")
    body = text_body(mail)
    assert "Bonjour Ngozi Okafor," in body and "We are asking the council about it." in body
    assert "Ask Dr Bello" not in body
    link = re.search(r"http://localhost(/submissions/\d+)", body).group(1)
    assert link == f"/submissions/{submission.id}"
    assert smtp_server.to("ngozi@example.org") == [mail]  # the note sent nothing

    work_page = officer.get(url).get_data(as_text=True)
    assert "Ask Dr Bello at the council." in work_page
    assert "Internal note — not shown to the submitter" in work_page

    submitter = client_as(app, desks["ngozi"])
    own_page = submitter.get(link).get_data(as_text=True)
    assert "We are asking the council about it." in own_page
    assert "Ask Dr Bello" not in own_page and "Internal note" not in own_page
    db.session.expire_all()
    public = submissions.public_events(fresh(submission))
    assert "note" not in {e.kind for e in public} and "reply" in {e.kind for e in public}
    assert {"submission.replied", "submission.noted"} <= set(audit_actions(submission))
    assert consistent()


def test_an_officer_assigns_it_to_a_colleague_of_the_desk_only(app, desks):
    submission = send(desks["ngozi"], "Licence renewal needs a visit")
    client = client_as(app, desks["ada"])
    url = work_url(submission)
    page = client.get(url).get_data(as_text=True)
    assert "Ada Officer (you)" in page and "Bola Officer" in page and "Chidi Policy" not in page
    refused = post(client, url, f"{url}/assign", {"assignee_id": str(desks["chidi"].id)})
    assert refused.status_code == 422 and "Choose an officer of this desk." in refused.get_data(as_text=True)
    assert post(client, url, f"{url}/assign", {"assignee_id": str(desks["bola"].id)}).status_code == 302
    db.session.expire_all()
    assert fresh(submission).assignee_id == desks["bola"].id
    assert "Assigned to Bola Officer." in client.get(url).get_data(as_text=True)
    assert "submission.assigned" in audit_actions(submission)


def test_when_two_officers_reply_at_once_the_second_is_told_and_keeps_what_they_typed(app, desks, smtp_server):
    submission = send(desks["ngozi"], "Licence renewal needs a visit")
    url = work_url(submission)
    ada, bola = client_as(app, desks["ada"]), client_as(app, desks["bola"])
    bolas_page = bola.get(url).get_data(as_text=True)
    bolas_version = re.search(r'name="version" value="(\d+)"', bolas_page).group(1)

    assert post(ada, url, f"{url}/reply", {"body": "Ada's answer: we are on it."}).status_code == 302
    smtp_server.clear()
    late = bola.post(f"{url}/reply", data={"csrf_token": csrf_token_from(bolas_page), "version": bolas_version,
                                           "body": "Bola's answer, typed meanwhile."})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Someone saved a change first" in page and "your changes were not saved" in page
    assert "Bola&#39;s answer, typed meanwhile." in page or "Bola's answer, typed meanwhile." in page
    assert "Ada&#39;s answer: we are on it." in page or "Ada's answer: we are on it." in page
    db.session.expire_all()
    replies = [e.body for e in fresh(submission).events if e.kind == "reply"]
    assert replies == ["Ada's answer: we are on it."]
    assert smtp_server.messages == []
    # sent again from the conflict page (which carries the version of now), it is saved
    again = re.search(r'name="version" value="(\d+)"', page).group(1)
    saved = bola.post(f"{url}/reply", data={"csrf_token": csrf_token_from(page), "version": again,
                                            "body": "Bola's answer, typed meanwhile."})
    assert saved.status_code == 302
    # the same for a status change made on an old page
    stale = bola.post(f"{url}/acknowledge", data={"csrf_token": csrf_token_from(page), "version": bolas_version})
    assert stale.status_code == 409 and fresh(submission).status == "submitted"
    assert consistent()


# ---------------------------------------------------------------------------- several at once


def test_answering_several_at_once_gives_each_its_event_email_counts_and_audit(app, desks, smtp_server):
    signed = UserFactory(name="Emeka Named", email="emeka@example.org")
    first, second = send(desks["ngozi"], "First barrier"), send(signed, "Second barrier")
    changed = send(signed, "Changed meanwhile")
    other_desk = send(desks["ngozi"], "A policy idea", topic="policy_input")
    client = client_as(app, desks["ada"])
    queue = f"/desks/{desks['barriers'].id}/queue"
    page = client.get(queue).get_data(as_text=True)
    picks = re.findall(r'name="picks" value="(\d+:\d+)"', page)
    assert len(picks) == 3
    work.note(desks["bola"], changed, "Bola looked at it.", changed.version)  # after the queue was shown
    db.session.commit()
    smtp_server.clear()

    response = client.post(queue, data={"csrf_token": csrf_token_from(page), "picks": picks + [
        f"{other_desk.id}:{other_desk.version}"], "body": "Thank you: we are raising it with the council.",
        "resolve": "y"})
    assert response.status_code == 302
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 submissions answered and resolved" in flashed
    assert "1 submission was changed by someone else" in flashed
    db.session.expire_all()
    for submission in (first, second):
        found = fresh(submission)
        assert found.status == "resolved" and found.outcome == "Thank you: we are raising it with the council."
        assert "submission.resolve" in audit_actions(found)
    assert fresh(changed).status == "submitted"
    assert fresh(other_desk).status == "submitted"
    assert "Bonjour" in text_body(smtp_server.last_to("ngozi@example.org"))
    assert "raising it with the council" in text_body(smtp_server.last_to("emeka@example.org"))
    assert len(smtp_server.messages) == 2 and consistent()

    empty = client.post(queue, data={"csrf_token": csrf_token_from(page), "body": "Nothing chosen"})
    assert empty.status_code == 422 and "Choose at least one submission." in empty.get_data(as_text=True)
    # without resolving: a reply each, status unchanged
    third = send(signed, "Third barrier")
    page = client.get(queue).get_data(as_text=True)
    client.post(queue, data={"csrf_token": csrf_token_from(page), "picks": [f"{third.id}:{third.version}"],
                             "body": "Received, thank you."})
    db.session.expire_all()
    third = fresh(third)
    assert third.status == "submitted" and [e.body for e in third.events if e.kind == "reply"] == [
        "Received, thank you."]
    assert consistent()


# ---------------------------------------------------------------------------- canned replies


def test_canned_replies_are_kept_per_desk_and_fill_the_reply_box(app, desks):
    desk = desks["barriers"]
    client = client_as(app, desks["ada"])
    base = f"/desks/{desk.id}/canned-replies"
    assert post(client, base, base, {"title": "", "body": "x"}).status_code == 422
    assert post(client, base, base, {"title": "Received", "body": "We have received it and will answer soon."}
                ).status_code == 302
    reply = db.session.scalars(sa.select(CannedReply)).one()
    edit = f"{base}/{reply.id}/edit"
    assert "We have received it" in client.get(edit).get_data(as_text=True)
    assert post(client, edit, edit, {"title": "Received", "body": "We have it: an answer within 30 days."}
                ).status_code == 302

    submission = send(desks["ngozi"], "Licence renewal needs a visit")
    page = client.get(work_url(submission), query_string={"canned": reply.id}).get_data(as_text=True)
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*We have it: an answer within 30 days.</textarea>', page)
    queue = client.get(f"/desks/{desk.id}/queue", query_string={"canned": reply.id}).get_data(as_text=True)
    assert "We have it: an answer within 30 days." in queue

    chidi = client_as(app, desks["chidi"])  # another desk of the country
    assert chidi.get(edit).status_code == 404
    assert chidi.get(f"/desks/{desks['policy'].id}/canned-replies/{reply.id}/edit").status_code == 404
    other = chidi.get(work_url(submission).replace(str(desk.id), str(desks["policy"].id)))
    assert other.status_code == 404

    assert post(client, base, f"{base}/{reply.id}/delete", {}).status_code == 302
    assert db.session.scalars(sa.select(CannedReply)).all() == []
    assert audit_actions(reply) == ["canned_reply.added", "canned_reply.changed", "canned_reply.deleted"]


# ---------------------------------------------------------------------------- files


def test_the_officer_downloads_the_submitters_files(app, desks):
    import io

    from werkzeug.datastructures import FileStorage

    made = submissions.send(desks["ngozi"], country="NG", topic="barrier_report", title="With a file",
                            show_identity=True, answers=BARRIER, files=[FileStorage(
                                stream=io.BytesIO(b"%PDF-1.4\n% the council's letter\n"), filename="letter.pdf",
                                content_type="application/pdf")])
    db.session.commit()
    client = client_as(app, desks["ada"])
    page = client.get(work_url(made)).get_data(as_text=True)
    href = re.search(r'href="([^"]*/file\?id=\d+)"', page).group(1).replace("&amp;", "&")
    download = client.get(href)
    assert download.status_code == 200 and b"the council's letter" in download.data
    assert client.get(f"{work_url(made)}/file?id=999999").status_code == 404
    assert client_as(app, desks["chidi"]).get(href).status_code == 404


# ---------------------------------------------------------------------------- working days


def test_working_days_skip_weekends_and_nigerias_public_holidays(desks, monkeypatch):
    before_independence_day = send(desks["ngozi"], "Sent on a Tuesday")
    over_a_weekend = send(desks["ngozi"], "Sent on a Friday")
    db.session.execute(sa.update(Submission).where(Submission.id == before_independence_day.id).values(
        created_at=datetime(2026, 9, 29, 10)))  # Tuesday; Thursday 1 October is Independence Day
    db.session.execute(sa.update(Submission).where(Submission.id == over_a_weekend.id).values(
        created_at=datetime(2026, 9, 25, 16)))  # Friday
    db.session.commit()
    db.session.expire_all()

    monkeypatch.setattr(work, "today", lambda: date(2026, 10, 2))  # Friday
    first = fresh(before_independence_day)
    work.act(desks["ada"], first, "acknowledge", first.version)  # Wed 30, (Thu 1 holiday), Fri 2
    monkeypatch.setattr(work, "today", lambda: date(2026, 9, 28))  # Monday
    second = fresh(over_a_weekend)
    work.act(desks["ada"], second, "acknowledge", second.version)  # Mon 28 only
    monkeypatch.setattr(work, "today", lambda: date(2026, 10, 6))  # Tuesday
    work.act(desks["ada"], first, "resolve", first.version, "Done.")  # Sep 30, Oct 2, 5, 6
    db.session.commit()
    timings = {(t.measure, t.working_days): t.count for t in db.session.scalars(
        sa.select(SubmissionTiming).where(SubmissionTiming.count > 0))}
    assert timings == {("acknowledge", 2): 1, ("acknowledge", 1): 1, ("answer", 4): 1}
    assert counts.medians("NG", ("acknowledge",)) == {"acknowledge": 1.5}
    assert consistent()


# ---------------------------------------------------------------------------- reminders


def test_the_overdue_reminder_is_sent_once(app, desks, smtp_server):
    late = send(desks["ngozi"], "Late to be acknowledged")
    on_time = send(desks["ngozi"], "Not late yet")
    answered = send(desks["ngozi"], "Already answered")
    work.act(desks["ada"], answered, "resolve", answered.version, "Done.")
    other_desk = send(desks["ngozi"], "Late policy idea", topic="policy_input")
    for submission in (late, answered, other_desk):
        db.session.execute(sa.update(Submission).where(Submission.id == submission.id).values(
            acknowledge_by=date(2026, 3, 2), answer_by=date(2026, 4, 1)))
    db.session.execute(sa.update(Submission).where(Submission.id == on_time.id).values(
        acknowledge_by=date(2026, 3, 20), answer_by=date(2026, 4, 20)))
    db.session.commit()
    smtp_server.clear()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["desks", "remind", "--today", "2026-03-10"])
    assert result.exit_code == 0, result.output
    assert "Barriers Desk (NG): 1 overdue to 2 officers" in result.output and late.reference in result.output
    assert "Policy Desk (NG): 1 overdue to 1 officer" in result.output
    ada = text_body(smtp_server.last_to("ada@health.gov.ng"))
    assert late.reference in ada and "Late to be acknowledged" in ada and "to be acknowledged by" in ada
    assert "Not late yet" not in ada and "Already answered" not in ada and "Late policy idea" not in ada
    assert f"/desks/{desks['barriers'].id}/submissions/{late.id}" in ada
    assert "Late policy idea" in text_body(smtp_server.last_to("chidi@health.gov.ng"))
    assert len(smtp_server.to("bola@health.gov.ng")) == 1

    smtp_server.clear()
    again = runner.invoke(args=["desks", "remind", "--today", "2026-03-11"])
    assert "nothing sent" in again.output and smtp_server.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeskReminder)) == 2

    later = runner.invoke(args=["desks", "remind", "--today", "2026-04-25"])  # answers now late, and on_time
    assert "Barriers Desk (NG): 3 overdue" in later.output
    body = text_body(smtp_server.last_to("ada@health.gov.ng"))
    assert "to be answered by" in body and "Not late yet" in body and "Already answered" not in body
    assert runner.invoke(args=["desks", "remind", "--today", "2026-04-26"]).output.startswith("No new")


def test_the_reminder_command_costs_the_same_statements_however_many_are_overdue(app, desks, count_queries,
                                                                                  smtp_server):
    """`flask desks remind` names every overdue submission in its summary: read before its
    commit, not once per submission afterwards (the commit expires them)."""
    runner = app.test_cli_runner()

    def statements(count: int, on: str) -> int:
        made = [send(desks["ngozi"], f"Late {on} {number}") for number in range(count)]
        db.session.execute(sa.update(Submission).where(Submission.id.in_([s.id for s in made])).values(
            acknowledge_by=date(2026, 3, 2), answer_by=date(2026, 9, 1)))
        db.session.commit()
        with count_queries() as counter:
            result = runner.invoke(args=["desks", "remind", "--today", on])
        assert result.exit_code == 0 and f"{count} overdue" in result.output
        assert all(s.reference in result.output for s in made)
        # The commit then hands the outbox its pending mail (the submissions' own, queued when
        # they were sent, each tried once): the outbox's statements are not the command's.
        return len([statement for statement in counter.statements if "outbox_messages" not in statement])

    few = statements(2, "2026-03-10")
    assert statements(12, "2026-03-10") == few


def test_a_desk_officer_lands_in_a_queue_whose_header_links_each_of_their_desks(app, desks):
    client = client_as(app, desks["ada"])
    landing = client.get("/dashboard").headers["Location"]
    assert landing.startswith("/desks/") and landing.endswith("/queue")
    header = client.get(landing).get_data(as_text=True).split("</header>")[0]
    assert f'href="/desks/{desks["barriers"].id}/queue"' in header


def test_an_internal_note_stays_out_of_the_submitters_export(desks):
    from diaspora.desks.personal_data import export_submissions

    submission = send(desks["ngozi"], "Licence renewal needs a visit")
    work.note(desks["ada"], submission, "Internal: check with Dr Bello.", submission.version)
    work.reply(desks["ada"], submission, "We are on it.", submission.version)
    exported = export_submissions(desks["ngozi"])
    bodies = [event["body"] for event in exported[0]["timeline"]]
    assert "We are on it." in bodies and "Internal: check with Dr Bello." not in bodies
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionEvent).where(
        SubmissionEvent.kind == "note")) == 1
