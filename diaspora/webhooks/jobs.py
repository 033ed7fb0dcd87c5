"""Sending the deliveries: `deliver_due`, run by `flask webhooks deliver` (from cron, or as a
periodic job of the queue). A plain function of explicit arguments; it commits as it goes.

1. **Claim** up to `limit` due deliveries of active subscriptions in one UPDATE ... RETURNING
   whose candidates are selected FOR UPDATE SKIP LOCKED on PostgreSQL: a claimed row carries a
   lease (`locked_until`), and a second runner at the same moment skips the rows the first one
   holds and, once they are committed, no longer matches them. On SQLite the one UPDATE is
   atomic under the database's write lock, which gives the same exactly-once claim.
2. **Send** each, after the claim has committed (no transaction stays open during a call):
   the JSON body signed as the Standard Webhooks specification says (`standardwebhooks`:
   `webhook-id`, `webhook-timestamp`, `webhook-signature`), POSTed with short connect and read
   timeouts, no redirects followed, the endpoint's address checked again first.
3. **Record** the answer in the delivery (status code or error, duration). A 2xx delivers it;
   anything else is tried again after an exponential backoff with jitter, until
   `WEBHOOKS_MAX_ATTEMPTS`. After `WEBHOOKS_DISABLE_AFTER` failed calls in a row, the
   subscription is disabled and its association's or desk's officers are mailed (the outbox)."""

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa
from flask import current_app
from standardwebhooks.webhooks import Webhook

from diaspora.core import transaction
from diaspora.core.i18n import _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.webhooks.models import DeliveryStatus, SubscriptionStatus, WebhookDelivery, WebhookSubscription
from diaspora.webhooks.subscriptions import EndpointRefused, check_endpoint

USER_AGENT = "DiasporaHealthNetwork-Webhooks/1"
MAX_ERROR = 500


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    disabled: list[int] = field(default_factory=list)  # subscriptions switched off in this run

    def __str__(self) -> str:
        return (f"{len(self.delivered)} delivered, {len(self.failed)} failed"
                + (f", {len(self.disabled)} endpoints disabled" if self.disabled else ""))


def _setting(key: str):
    return current_app.config[key]


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """After the n-th failed attempt: base × 2^(n-1), capped, with "equal jitter" (half of it
    fixed, half random), so that many failed deliveries do not all come back at once."""
    base = _setting("WEBHOOKS_BACKOFF_SECONDS") * 2 ** max(attempts - 1, 0)
    delay = min(base, _setting("WEBHOOKS_MAX_BACKOFF_SECONDS"))
    return timedelta(seconds=delay / 2 + (rng or random).uniform(0, delay / 2))


def _lease() -> timedelta:
    # longer than any call can take (connect + read), so a lease never expires under a live call
    return timedelta(seconds=max(60, 4 * (_setting("WEBHOOKS_CONNECT_TIMEOUT") + _setting("WEBHOOKS_READ_TIMEOUT"))))


def claim(now: datetime, limit: int) -> list[int]:
    """Take a lease on up to `limit` due deliveries; the ids this runner alone now holds."""
    not_leased = sa.or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now)
    due = (WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now, not_leased,
           WebhookDelivery.subscription_id.in_(
               sa.select(WebhookSubscription.id).where(WebhookSubscription.status == SubscriptionStatus.ACTIVE)))
    candidates = (sa.select(WebhookDelivery.id).where(*due).order_by(WebhookDelivery.next_attempt_at,
                                                                     WebhookDelivery.id)
                  .limit(limit).with_for_update(skip_locked=True))
    statement = (sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(candidates.scalar_subquery()), *due)
                 .values(locked_until=now + _lease(), attempts=WebhookDelivery.attempts + 1)
                 .returning(WebhookDelivery.id).execution_options(synchronize_session=False))
    ids = sorted(db.session.scalars(statement).all())
    db.session.commit()
    return ids


def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send up to `limit` deliveries that are due at `now` (default: now); what this runner
    claims, another never sends."""
    now = now or utcnow()
    report = DeliveryReport()
    for delivery_id in claim(now, limit):
        _deliver(delivery_id, report)
    return report


@dataclass
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def signed_headers(secret: str, message_id: str, body: bytes, when: datetime | None = None) -> dict[str, str]:
    when = (when or utcnow()).replace(microsecond=0)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return {"webhook-id": message_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, when, body),
            "content-type": "application/json", "user-agent": USER_AGENT}


def post(url: str, secret: str, message_id: str, body: bytes) -> Outcome:
    """One signed POST. Never raises: what went wrong is the outcome's error."""
    started = time.monotonic()
    try:
        check_endpoint(url)
        with requests.post(url, data=body, headers=signed_headers(secret, message_id, body), stream=True,
                           allow_redirects=False,
                           timeout=(_setting("WEBHOOKS_CONNECT_TIMEOUT"), _setting("WEBHOOKS_READ_TIMEOUT"))) as answer:
            return Outcome(answer.status_code, None if answer.ok else f"HTTP {answer.status_code}", _since(started))
    except EndpointRefused as error:
        return Outcome(None, f"Refused: {error}"[:MAX_ERROR], _since(started))
    except requests.Timeout:
        return Outcome(None, "Timed out", _since(started))
    except requests.RequestException as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:MAX_ERROR], _since(started))


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _deliver(delivery_id: int, report: DeliveryReport) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:  # its subscription was deleted since the claim
        db.session.commit()
        return
    subscription = delivery.subscription
    url, secret, message_id, body = subscription.url, subscription.secret, delivery.message_id, body_of(delivery)
    db.session.commit()  # nothing held open during the call
    outcome = post(url, secret, message_id, body)
    _record(delivery_id, outcome, report)


def _record(delivery_id: int, outcome: Outcome, report: DeliveryReport) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    subscription = delivery and db.session.get(WebhookSubscription, delivery.subscription_id,
                                               populate_existing=True, with_for_update=True)
    if delivery is None or subscription is None:  # deleted during the call: nothing to record
        db.session.commit()
        return
    finished = utcnow()
    delivery.last_attempt_at = finished
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.last_duration_ms = outcome.duration_ms
    delivery.locked_until = None
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = finished
        subscription.failures = 0
        report.delivered.append(delivery_id)
    else:
        report.failed.append(delivery_id)
        if delivery.attempts >= _setting("WEBHOOKS_MAX_ATTEMPTS"):
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = finished + backoff(delivery.attempts)
        subscription.failures += 1
        if subscription.is_active and subscription.failures >= _setting("WEBHOOKS_DISABLE_AFTER"):
            _disable(subscription, finished)
            report.disabled.append(subscription.id)
    transaction.commit()  # and the mail queued, sent now


def _disable(subscription: WebhookSubscription, when: datetime) -> None:
    from diaspora.core import audit

    subscription.status = SubscriptionStatus.DISABLED
    subscription.disabled_at = when
    db.session.flush()
    audit.record("webhook.disabled", subscription, actor=None, changes={"failures": subscription.failures})
    for officer in owners_of(subscription):
        queue_email(officer.email, _l("Webhook endpoint switched off: %(description)s",
                                      description=subscription.description),
                    "webhooks_disabled", locale=officer.locale, user=officer, subscription=subscription,
                    failures=subscription.failures, owner_name=subscription.owner.name,
                    log_url=absolute("webhooks.show", subscription_id=subscription.id))


def owners_of(subscription: WebhookSubscription) -> list:
    """The people who manage it: the association's active officers, or the desk's officers."""
    from diaspora.associations.models import Membership
    from diaspora.auth.models import User
    from diaspora.desks.models import DeskOfficer

    if subscription.association_id is not None:
        query = sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.association_id == subscription.association_id, Membership.role == Membership.OFFICER,
            Membership.status == Membership.ACTIVE)
    else:
        query = sa.select(User).join(DeskOfficer, DeskOfficer.user_id == User.id).where(
            DeskOfficer.desk_id == subscription.desk_id)
    return list(db.session.scalars(query.where(User.active.is_(True), User.deleted_at.is_(None)).order_by(User.id)))
