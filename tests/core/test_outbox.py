"""Durable mail: written with the change, sent after commit, retried, never sent twice."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.core import outbox, transaction
from diaspora.core.models import OutboxMessage
from diaspora.core.time import utcnow
from tests.mailserver import text_body


def queue(n: int = 1, recipient: str = "nurse@example.org") -> list[int]:
    ids = [
        outbox.queue_email(f"{i}.{recipient}" if n > 1 else recipient, f"Message {i}", "email_taken").id
        for i in range(n)
    ]
    return ids


def messages(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_mail_is_sent_after_the_commit(db, smtp_server):
    queue(recipient="amina@example.org")
    assert smtp_server.messages == []  # nothing leaves before the commit
    transaction.commit()
    received = smtp_server.last_to("amina@example.org")
    assert received["Subject"] == "Message 0"
    assert "nothing has changed" in text_body(received)
    assert [m.status for m in messages(db)] == ["sent"]


@pytest.mark.parametrize("subject", [
    "Votre autorisation d'exercer NMC expire dans 20 jours, le 23 décembre 2026",
    "A sua licença para exercer caduca dentro de 20 dias, a 23 de dezembro de 2026: renove-a já, por favor",
    "Ọ̀rọ̀ àkọ́kọ́ fún àwọn nọ́ọ̀sì: ìwé-àṣẹ yín yóò parí ní ọjọ́ kẹtàlélógún oṣù Ọ̀pẹ, ẹ jọ̀ọ́ ẹ tún un ṣe",
])
def test_a_long_subject_in_any_language_arrives_as_written(db, smtp_server, subject):
    """Python's header folder would split "décembre" into "d" and an encoded "écembre", which
    mail readers show as "d écembre"."""
    outbox.queue_email("amina@example.org", subject, "email_taken")
    transaction.commit()
    assert smtp_server.last_to("amina@example.org")["Subject"] == subject


def test_mail_of_a_rolled_back_change_is_never_sent(db, smtp_server):
    queue()
    transaction.rollback()
    transaction.commit()
    assert messages(db) == []
    assert smtp_server.messages == []


def test_an_smtp_outage_delays_mail_and_loses_none(app, client, db, smtp_server):
    smtp_server.stop()
    try:
        for name in ("ama", "kofi", "efua"):
            _register(client, name)
        queued = messages(db)
        assert [m.status for m in queued] == ["queued"] * 3
        assert all(m.attempts == 1 and "Connection refused" in m.last_error for m in queued)
    finally:
        smtp_server.start()

    result = app.test_cli_runner().invoke(args=["outbox", "send", "--now"])
    assert result.exit_code == 0, result.output
    assert "3 sent, 0 failed" in result.output
    again = app.test_cli_runner().invoke(args=["outbox", "send", "--now"])
    assert "0 sent" in again.output

    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == ["ama@example.org", "efua@example.org", "kofi@example.org"]
    assert all(m.status == "sent" and m.attempts == 2 for m in messages(db))


def _register(client, name):
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data={
        "csrf_token": token, "name": name.title(), "email": f"{name}@example.org",
        "password": "purple giraffe umbrella 9",
    })
    assert response.status_code == 302


def test_a_failed_message_waits_for_its_backoff(app, db, smtp_server):
    smtp_server.stop()
    try:
        queue()
        transaction.commit()
    finally:
        smtp_server.start()
    [message] = messages(db)
    assert message.next_attempt_at > utcnow() + timedelta(seconds=50)

    assert outbox.send_due().sent == []  # not due yet
    later = message.next_attempt_at + timedelta(seconds=1)
    assert len(outbox.send_due(now=later).sent) == 1
    assert len(smtp_server.messages) == 1


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert outbox.backoff(30) == timedelta(hours=6)


def test_a_message_is_given_up_after_the_last_attempt(app, db, smtp_server):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    smtp_server.stop()
    try:
        queue()
        transaction.commit()  # attempt 1
        outbox.send_due(ignore_schedule=True)  # attempt 2
    finally:
        smtp_server.start()
        app.config["OUTBOX_MAX_ATTEMPTS"] = 8
    [message] = messages(db)
    assert (message.status, message.attempts) == ("failed", 2)
    assert outbox.send_due(ignore_schedule=True).sent == []
    assert smtp_server.messages == []


def test_two_senders_at_once_send_each_message_exactly_once(app, db, smtp_server):
    ids = queue(20)
    db.session.commit()
    outbox.take_pending_ids()
    smtp_server.delay = 0.02
    reports, errors = [], []
    start = threading.Barrier(2)

    def sender():
        try:
            with app.app_context():
                start.wait()
                reports.append(outbox.send_due(ignore_schedule=True, batch=5))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    smtp_server.delay = 0.0

    assert errors == []
    delivered = sorted(int(m["X-Outbox-Id"]) for m in smtp_server.messages)
    assert delivered == ids
    assert sorted(i for report in reports for i in report.sent) == ids
    assert all(m.status == "sent" and m.attempts == 1 for m in messages(db))


@pytest.mark.postgres_only
def test_candidates_locked_by_one_sender_are_skipped_by_another(app, db, is_postgres):
    """On PostgreSQL a sender's SELECT ... FOR UPDATE SKIP LOCKED passes over rows
    another transaction holds, instead of waiting for them or taking them twice.
    (Deselected on SQLite, which has no row locks; the conditional UPDATE protects it.)"""
    assert is_postgres
    ids = queue(3)
    db.session.commit()
    outbox.take_pending_ids()
    with db.engine.connect() as other:
        held = other.execute(
            sa.select(OutboxMessage.id).where(OutboxMessage.id == ids[0]).with_for_update()
        ).scalar_one()
        assert held == ids[0]
        seen = outbox._due_ids(utcnow(), True, 10)
        other.rollback()
    assert seen == ids[1:]
