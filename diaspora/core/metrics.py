"""`/metrics` in Prometheus' text format: request latency histograms (by method, endpoint and
status; timed around the WSGI app, so every hook and middleware counts), and, read at each
scrape, the job queue's depth, the outbox's waiting and failed mail, the age of the oldest mail
waiting, and the failed jobs.

Closed to the public: it answers a request with `Authorization: Bearer <METRICS_TOKEN>`, a
logged-in platform admin, or, only while no METRICS_TOKEN is set, a request from loopback (a
Prometheus on the same machine; behind a proxy on the same machine set TRUSTED_PROXIES, or the
proxy's own address would count as loopback). Anyone else gets a 404.

Each app has its own registry. Under gunicorn each worker process counts its own requests and a
scrape reaches one of them (prometheus_client's multiprocess mode would add them up: not done yet);
the queue and outbox figures are read from Redis and the database at each scrape, so are whole."""

import hmac
import ipaddress
import threading
from time import perf_counter

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, request
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from diaspora.core.access import public


def init_app(app: Flask) -> None:
    registry = CollectorRegistry(auto_describe=False)
    app.wsgi_app = TimedRequests(app.wsgi_app, registry)
    registry.register(QueueCollector())
    app.extensions["metrics_registry"] = registry
    app.add_url_rule("/metrics", "metrics", metrics_view)


class TimedRequests:
    """WSGI middleware: each request's time, observed in a histogram by method, endpoint (the
    matched rule's, "none" for a 404) and status. One dict lookup and one observation per
    request (prometheus-flask-exporter's hooks cost a sixth of a bare request: bench/README.md)."""

    def __init__(self, wsgi_app, registry: CollectorRegistry):
        self.wsgi_app = wsgi_app
        self.histogram = Histogram("flask_http_request_duration_seconds", "Time to answer a request",
                                   ["method", "endpoint", "status"], registry=registry)
        self.children: dict[tuple, object] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        start = perf_counter()
        status = ["500"]

        def recording(status_line, headers, exc_info=None):
            status[0] = status_line[:3]
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording)
        finally:
            request = environ.get("werkzeug.request")
            rule = getattr(request, "url_rule", None)
            key = (environ.get("REQUEST_METHOD", ""), rule.endpoint if rule is not None else "none", status[0])
            child = self.children.get(key)
            if child is None:
                with self.lock:
                    child = self.children[key] = self.histogram.labels(*key)
            child.observe(perf_counter() - start)


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    if current_user.is_authenticated and current_user.is_admin:
        return True
    if token:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@public  # guarded by `allowed` (a token, an admin or loopback): see the module's docstring
def metrics_view():
    if not allowed():
        abort(404)
    return Response(generate_latest(current_app.extensions["metrics_registry"]), mimetype=CONTENT_TYPE_LATEST)


class QueueCollector:
    """Figures read when Prometheus scrapes (inside the /metrics request's app context)."""

    def collect(self):
        from diaspora.core import jobs
        from diaspora.core.models import FailedJob, OutboxMessage
        from diaspora.core.time import utcnow
        from diaspora.extensions import db

        try:
            depth = jobs.pending_count()
        except Exception:  # the queue is down: the gauge is absent, /healthz says why
            depth = None
        if depth is not None:
            yield GaugeMetricFamily("diaspora_jobs_waiting", "Jobs waiting in the queue", value=depth)
        by_status = dict(db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(OutboxMessage.status.in_((OutboxMessage.QUEUED, OutboxMessage.FAILED)))
            .group_by(OutboxMessage.status)).all())
        mail = GaugeMetricFamily("diaspora_outbox_messages", "Mail waiting or given up on", labels=["status"])
        for status in (OutboxMessage.QUEUED, OutboxMessage.FAILED):
            mail.add_metric([status], by_status.get(status, 0))
        yield mail
        yield GaugeMetricFamily("diaspora_outbox_oldest_waiting_seconds",
                                "Age of the oldest mail due and not sent", value=oldest_waiting_seconds(utcnow()))
        yield GaugeMetricFamily("diaspora_jobs_failed", "Jobs whose last attempt failed",
                                value=db.session.scalar(sa.select(sa.func.count()).select_from(FailedJob)) or 0)


def oldest_waiting_seconds(now) -> float:
    """How long the oldest queued mail has been due (0 when none is): the age of the oldest job
    waiting, whatever queue it is in (its `next_attempt_at`, through the status index)."""
    from diaspora.core.models import OutboxMessage
    from diaspora.extensions import db

    oldest = db.session.scalar(sa.select(sa.func.min(OutboxMessage.next_attempt_at))
                               .where(OutboxMessage.status == OutboxMessage.QUEUED))
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
