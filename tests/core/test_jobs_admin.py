"""Failures are visible: the admin page of failed mail and jobs, with retry and discard; the
mail-failure count on the admin home; /healthz and /metrics."""

from datetime import timedelta

import sqlalchemy as sa

from diaspora.core import jobs, outbox, transaction
from diaspora.core.models import FailedJob, OutboxMessage
from diaspora.core.time import utcnow
from diaspora.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import UserFactory


def given_up_mail(smtp_server, recipient="abena@example.org") -> OutboxMessage:
    """A message whose every attempt failed: the mail server was down each time."""
    from flask import current_app

    current_app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    smtp_server.stop()
    try:
        outbox.queue_email(recipient, "Your renewal", "email_taken")
        transaction.commit()
    finally:
        smtp_server.start()
        current_app.config["OUTBOX_MAX_ATTEMPTS"] = 8
    message = db.session.scalar(sa.select(OutboxMessage))
    db.session.refresh(message)
    assert message.status == OutboxMessage.FAILED
    return message


def post(client, url):
    token = csrf_token_from(client.get("/admin/jobs").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def test_a_failed_mail_is_listed_with_its_error_and_sent_again_on_retry(client, login, smtp_server):
    message = given_up_mail(smtp_server)
    login(UserFactory(admin=True))
    # the admin home (where an admin lands) links the failed mail to the jobs page
    home = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/jobs"' in home
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Connection refused" in page and "Your renewal" in page
    assert "a…@example.org" in page and "abena@example.org" not in page  # the admin is no one's officer

    response = post(client, f"/admin/jobs/mail/{message.id}/retry")
    assert response.status_code == 302
    assert smtp_server.last_to("abena@example.org")["Subject"] == "Your renewal"
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxMessage.SENT
    assert "Connection refused" not in client.get("/admin/jobs").get_data(as_text=True)


def test_a_discarded_mail_is_never_sent_and_forgets_what_it_said(client, login, smtp_server):
    message = given_up_mail(smtp_server)
    login(UserFactory(admin=True))
    assert post(client, f"/admin/jobs/mail/{message.id}/discard").status_code == 302
    db.session.expire_all()
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status == OutboxMessage.DISCARDED and stored.body_text == ""
    assert post(client, f"/admin/jobs/mail/{message.id}/retry").status_code == 404  # no longer failed
    assert smtp_server.messages == []


def test_a_job_that_fails_its_last_attempt_is_recorded_and_can_be_retried(app, client, login):
    runs = []

    def flaky(value):
        runs.append(value)
        if len(runs) == 1:
            raise RuntimeError("the regulator's feed timed out")

    jobs.register("tests.flaky", flaky, retries=0)
    try:
        jobs.queue_of(app).bind()
        jobs.enqueue("tests.flaky", 7)
        [failed] = db.session.scalars(sa.select(FailedJob)).all()
        assert failed.task == "tests.flaky" and failed.arguments == [7]
        login(UserFactory(admin=True))
        page = client.get("/admin/jobs").get_data(as_text=True)
        assert "RuntimeError: the regulator&#39;s feed timed out" in page

        assert post(client, f"/admin/jobs/failed/{failed.id}/retry").status_code == 302
        assert runs == [7, 7]
        db.session.expire_all()
        assert db.session.scalars(sa.select(FailedJob)).all() == []
    finally:
        del jobs.JOBS["tests.flaky"]


def test_a_failed_job_can_be_discarded(client, login):
    job = FailedJob(task="desks.refresh", arguments=[], last_error="OperationalError: gone")
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    login(UserFactory(admin=True))
    assert post(client, f"/admin/jobs/failed/{job_id}/discard").status_code == 302
    db.session.expire_all()
    assert db.session.get(FailedJob, job_id) is None


def test_the_page_is_for_platform_admins_only(client, login):
    login(UserFactory())
    assert client.get("/admin/jobs").status_code == 403


def test_metrics_give_latency_histograms_queue_depth_and_failures(app, client, smtp_server):
    given_up_mail(smtp_server)
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)  # the test client comes from loopback
    assert "flask_http_request_duration_seconds_bucket" in body
    assert 'diaspora_outbox_messages{status="failed"} 1.0' in body
    assert "diaspora_jobs_waiting" in body and "diaspora_jobs_failed 0.0" in body


def test_metrics_are_closed_to_the_public(app, client, login):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret-scraper-token"
    try:
        assert client.get("/metrics").status_code == 404  # loopback counts only without a token
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        good = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scraper-token"},
                          environ_base=outside)
        assert good.status_code == 200
        login(UserFactory(admin=True))
        assert client.get("/metrics", environ_base=outside).status_code == 200
    finally:
        app.config["METRICS_TOKEN"] = None


def test_healthz_reports_the_oldest_waiting_mail(client, smtp_server):
    smtp_server.stop()
    try:
        outbox.queue_email("kofi@example.org", "Hello", "email_taken")
        transaction.commit()  # the attempt failed: the mail waits for its next attempt
    finally:
        smtp_server.start()
    assert client.get("/healthz").json["oldest_waiting_job_seconds"] == 0.0  # its next attempt is not due yet
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=90)))
    db.session.commit()
    health = client.get("/healthz").json
    assert health["status"] == "ok" and health["database"] == "ok"
    assert 90 <= health["oldest_waiting_job_seconds"] < 120


def test_the_sweep_sends_mail_whose_job_was_lost(app, db, smtp_server):
    """A process that died between its commit and its enqueue left a row and no job: the sweep,
    which the scheduler runs every minute, enqueues it (and leaves fresh mail to its own job)."""
    from datetime import datetime

    db.session.add_all([
        OutboxMessage(recipient="lost@example.org", subject="Lost", template="email_taken", body_text="Hello",
                      created_at=utcnow() - timedelta(minutes=2), next_attempt_at=utcnow() - timedelta(minutes=2)),
        OutboxMessage(recipient="fresh@example.org", subject="Fresh", template="email_taken", body_text="Hello"),
    ])
    db.session.commit()
    jobs.enqueue("outbox.sweep")  # what the scheduler does (immediate mode runs it here)
    assert [m["To"] for m in smtp_server.messages] == ["lost@example.org"]

    sweep = jobs.JOBS["outbox.sweep"]
    assert all(sweep.periodic(datetime(2026, 12, 5, 21, minute)) for minute in range(60))  # every minute
