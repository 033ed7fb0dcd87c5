"""Background work on Huey (docs/decisions.md says why Huey).

One queue per app, chosen by `JOBS_URL`:

* `sqlite:///path` (the default: `instance/jobs.sqlite`): no extra service; `flask serve` (what
  `make run` starts) runs a consumer in threads of the web process, so mail leaves by itself;
* `redis://host:port/db`: production. Any number of `flask jobs worker` processes on any number
  of machines, and one `flask jobs worker --scheduler` that also enqueues the periodic tasks;
* `immediate`: every job runs at once in the caller (the tests' default; never in production).

Domains register their jobs from their `init_app` with `register(name, function)` (and
`periodic=crontab(...)` for periodic ones); `enqueue(name, *args)` queues one. That is the one
seam: a job is a name and JSON-able arguments, so it can be retried from the admin page, and
`core` knows no domain. A job runs in an app context; it commits its own work
(`transaction.commit`). A job that raises after its last retry is recorded in `failed_jobs` with
its last error (the admin page lists it, retries or discards it).

A job is never the only record of work to do: mail is in the outbox first, and the periodic
sweep (`outbox.sweep`, every minute) enqueues whatever the outbox still holds, so a process that
dies between its commit and its `enqueue`, or a worker killed mid-job, loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab, signals
from huey.consumer import Consumer

log = logging.getLogger(__name__)

__all__ = ["crontab", "enqueue", "register", "Job"]


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[..., Any]
    periodic: Any = None  # a huey crontab
    retries: int = 3
    retry_delay: int = 30  # seconds; doubled by nothing: the outbox keeps its own backoff


JOBS: dict[str, Job] = {}


def register(name: str, function: Callable[..., Any], *, periodic=None, retries: int = 3,
             retry_delay: int = 30) -> None:
    """Make `function` a job called `name` (for every app created afterwards). Periodic jobs take
    no arguments; the scheduler enqueues them on `periodic` (a `crontab`)."""
    JOBS[name] = Job(name, function, periodic, retries, retry_delay)


class Queue:
    """An app's Huey instance and the tasks bound to it."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = make_huey(app)
        self.tasks: dict[str, Any] = {}
        self.huey.signal(signals.SIGNAL_ERROR)(self._record_failure)

    def bind(self) -> None:
        for job in JOBS.values():
            if job.name in self.tasks:
                continue
            run = _in_app_context(self.app, job.function)
            if job.periodic is not None:
                self.tasks[job.name] = self.huey.periodic_task(job.periodic, name=job.name)(run)
            else:
                self.tasks[job.name] = self.huey.task(retries=job.retries, retry_delay=job.retry_delay,
                                                      name=job.name)(run)

    def _record_failure(self, signal, task, exc=None) -> None:
        """The last attempt failed (an attempt with retries left is not a failure yet)."""
        if task.retries:
            return
        with self.app.app_context():
            from diaspora.core.models import FailedJob
            from diaspora.extensions import db

            db.session.rollback()
            db.session.add(FailedJob(task=task.name, arguments=list(task.args or ()),
                                     last_error=f"{type(exc).__name__}: {exc}"[:2000]))
            db.session.commit()


def _in_app_context(app: Flask, function: Callable) -> Callable:
    def run(*args, **kwargs):
        if has_app_context():  # immediate mode: already inside the caller's
            return function(*args, **kwargs)
        with app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                from diaspora.extensions import db

                db.session.remove()

    run.__name__ = function.__name__
    run.__qualname__ = function.__qualname__
    run.__module__ = function.__module__
    return run


def make_huey(app: Flask) -> Huey:
    url = app.config.get("JOBS_URL") or f"sqlite:///{Path(app.instance_path) / 'jobs.sqlite'}"
    name = app.config.get("JOBS_QUEUE_NAME", "diaspora")
    if url == "immediate":
        return MemoryHuey(name, results=False, immediate=True, utc=True)
    if url.startswith("sqlite:///"):
        filename = url[len("sqlite:///"):]
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, results=False, utc=True, filename=filename)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # Short timeouts: /healthz and an enqueue after a commit must not hang on a dead Redis.
        pool = ConnectionPool.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        return RedisHuey(name, results=False, utc=True, connection_pool=pool)
    raise ValueError(f"JOBS_URL must be sqlite:///<file>, redis://<host>:<port>/<db> or immediate, not {url!r}")


def init_app(app: Flask) -> None:
    """After every domain registered its jobs (called last by `create_app`)."""
    queue = Queue(app)
    queue.bind()
    app.extensions["jobs"] = queue


def queue_of(app: Flask | None = None) -> Queue:
    return (app or current_app).extensions["jobs"]


def enqueue(name: str, *args, delay: timedelta | None = None, app: Flask | None = None) -> None:
    """Queue the job `name` with these (JSON-able) arguments. Raises if the queue cannot be
    reached: callers that have a durable record (the outbox) log it and rely on the sweep."""
    task = queue_of(app).tasks[name]
    if delay is not None:
        task.schedule(args=args, delay=delay.total_seconds())
    else:
        task(*args)


def pending_count(app: Flask | None = None) -> int:
    return queue_of(app).huey.pending_count()


def is_redis(app: Flask | None = None) -> bool:
    return isinstance(queue_of(app).huey, RedisHuey)


def ping_redis(app: Flask | None = None) -> None:
    """Raise if the Redis behind the queue does not answer (within its socket timeout)."""
    queue_of(app).huey.storage.conn.ping()


class QuietConsumer(Consumer):
    """Huey's consumer, startable from any thread: it leaves the process's signals alone (the
    web server owns them); its threads are daemons and end with the process."""

    def _set_signal_handlers(self):
        pass


def start_in_process(app: Flask, *, workers: int = 2) -> Consumer:
    """A consumer in threads of this process, with the scheduler (`flask serve`, development)."""
    huey = queue_of(app).huey
    consumer = QuietConsumer(huey, workers=workers, periodic=True, worker_type="thread",
                             check_worker_health=False, max_delay=1.0)
    consumer.start()
    return consumer


def run_worker(app: Flask, *, workers: int, scheduler: bool) -> None:
    """A consumer in the foreground until SIGTERM/SIGINT (`flask jobs worker`)."""
    huey = queue_of(app).huey
    Consumer(huey, workers=workers, periodic=scheduler, worker_type="thread", max_delay=2.0).run()
