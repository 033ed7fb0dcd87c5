"""The job queue under faults, with nothing mocked: a Redis queue at 127.0.0.1:6379, real
`flask jobs worker` processes, the test database (SQLite or PostgreSQL), and the loopback SMTP
server made to hang after greeting (tests/mailserver.py)."""

import os
import time
from collections import Counter

import pytest
import redis

from diaspora.core import jobs, outbox, transaction
from diaspora.core.models import OutboxMessage
from diaspora.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import UserFactory
from tests.jobs_support import REDIS_URL, Worker, outbox_rows, queue_app, wait_for


@pytest.fixture
def queued_app(database_url, smtp_server):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}, and CI must run this test")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; start it to run this test")
    app = queue_app(database_url, smtp_server)
    workers: list[Worker] = []
    app.extensions["test_workers"] = workers
    yield app
    for worker in workers:
        worker.stop()
    jobs.queue_of(app).huey.flush()
    smtp_server.hanging.clear()


def start_worker(app, **options) -> Worker:
    worker = Worker(app, **options)
    app.extensions["test_workers"].append(worker)
    return worker


def queue_mail(app, count: int, prefix: str = "nurse") -> list[int]:
    with app.app_context():
        ids = [outbox.queue_email(f"{prefix}{i}@example.org", f"Message {i}", "email_taken").id for i in range(count)]
        transaction.commit()  # enqueues their delivery on Redis
    return ids


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def test_a_page_that_sends_mail_and_healthz_stay_fast_while_smtp_hangs(queued_app, smtp_server):
    user = UserFactory(email="kofi@example.org")
    db.session.commit()
    start_worker(queued_app)
    smtp_server.hanging.set()
    client = queued_app.test_client()
    token = csrf_token_from(client.get("/forgot-password").get_data(as_text=True))

    seconds, response = timed(lambda: client.post("/forgot-password", data={"csrf_token": token, "email": user.email}))
    assert response.status_code == 302
    assert seconds < 1.0, f"the page took {seconds:.2f} s with the mail server hanging"
    # the worker is now stuck in the SMTP conversation (it claimed the message) ...
    wait_for(lambda: any(m.locked_until for m in outbox_rows()), 15, "a worker to claim the mail")
    for _ in range(3):
        seconds, health = timed(lambda: client.get("/healthz"))
        assert health.status_code == 200 and health.json["redis"] == "ok"
        assert seconds < 0.5, f"/healthz took {seconds:.2f} s with the mail server hanging"
    assert smtp_server.to(user.email) == []

    smtp_server.hanging.clear()  # the server answers again, within the worker's MAIL_TIMEOUT
    wait_for(lambda: smtp_server.to(user.email), 15, "the reset mail")
    wait_for(lambda: all(m.status == OutboxMessage.SENT for m in outbox_rows()), 10, "the outbox to record it")
    time.sleep(0.5)
    assert len(smtp_server.to(user.email)) == 1


def test_two_workers_on_one_queue_deliver_each_mail_exactly_once(queued_app, smtp_server):
    smtp_server.delay = 0.02  # widen the window between claiming and recording
    try:
        ids = queue_mail(queued_app, 40)
        with queued_app.app_context():  # and every message a second time, so the workers compete for each
            for start in range(0, len(ids), 5):
                jobs.enqueue("outbox.deliver", ids[start:start + 5])
        first, second = start_worker(queued_app, workers=3), start_worker(queued_app, workers=3)
        wait_for(lambda: all(m.status == OutboxMessage.SENT for m in outbox_rows()), 60, "all 40 mails")
        time.sleep(1.0)  # anything sent twice would have arrived by now
    finally:
        smtp_server.delay = 0.0
    received = Counter(m["X-Outbox-Id"] for m in smtp_server.messages)
    assert sorted(int(i) for i in received) == ids
    assert set(received.values()) == {1}, [i for i, n in received.items() if n > 1]
    assert all(m.attempts == 1 for m in outbox_rows())
    assert first.process.poll() is None and second.process.poll() is None


def test_a_worker_killed_mid_delivery_leaves_the_mail_to_be_retried_and_it_arrives_once(queued_app, smtp_server):
    smtp_server.hanging.set()
    queue_mail(queued_app, 1, prefix="ama")
    doomed = start_worker(queued_app)
    wait_for(lambda: outbox_rows()[0].locked_until is not None, 15, "the worker to claim the mail")
    time.sleep(0.3)  # inside the SMTP conversation now
    doomed.kill()
    smtp_server.hanging.clear()
    [held] = outbox_rows()
    assert held.status == OutboxMessage.QUEUED and held.attempts == 1  # claimed, never recorded
    assert smtp_server.messages == []

    start_worker(queued_app, workers=1)
    with queued_app.app_context():
        # What the scheduler's sweep does every minute, asked for now: before the dead worker's
        # lease ends it leaves the message alone, after it enqueues it again.
        jobs.enqueue("outbox.sweep")
        time.sleep(1.0)
        assert smtp_server.messages == []
        wait_for(lambda: outbox_rows()[0].locked_until < _now(), 10, "the dead worker's lease to end")
        jobs.enqueue("outbox.sweep")
    wait_for(lambda: smtp_server.messages, 20, "the retried mail")
    wait_for(lambda: outbox_rows()[0].status == OutboxMessage.SENT, 10, "the outbox to record it")
    time.sleep(1.0)
    assert [m["To"] for m in smtp_server.messages] == ["ama0@example.org"]
    assert outbox_rows()[0].attempts == 2


def _now():
    from diaspora.core.time import utcnow

    return utcnow()
