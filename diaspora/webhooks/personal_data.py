"""What the webhooks hold about a person, for export and erasure (core/personal_data.py).

A subscription is its association's or its desk's: erasing the officer who made it keeps it,
without their name as its maker (`created_by_id` is emptied). A delivery's payload names records
by id and status only, never a name or a text someone typed; but the events are *about* someone
(`subject_id`: the member whose application, contribution or submission it was). Erasing that
person empties the payloads of every delivery about them (one still waiting is cancelled, so it
never leaves) and forgets who it was about; the log keeps that an event of that type was sent,
when, and what the endpoint answered. A person's export lists the events about them that the
associations and desks were sent (type, when, status), not their receivers' addresses."""

import sqlalchemy as sa

from diaspora.core import personal_data
from diaspora.core.i18n import _l
from diaspora.extensions import db
from diaspora.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

ERASED_PAYLOAD = {"erased": True}


def _iso(value):
    return value.isoformat() if value is not None else None


def export(user) -> list[dict]:
    rows = db.session.execute(sa.select(WebhookDelivery.event_type, WebhookDelivery.created_at,
                                        WebhookDelivery.status, WebhookDelivery.payload)
                              .where(WebhookDelivery.subject_id == user.id).order_by(WebhookDelivery.id))
    return [{"event": event_type, "created_at": _iso(created_at), "status": status, "payload": payload}
            for event_type, created_at, status, payload in rows]


def erase(user) -> int:
    about = WebhookDelivery.subject_id == user.id
    db.session.execute(sa.update(WebhookDelivery).where(about, WebhookDelivery.status == DeliveryStatus.PENDING)
                       .values(status=DeliveryStatus.CANCELLED, locked_until=None)
                       .execution_options(synchronize_session=False))
    erased = db.session.execute(sa.update(WebhookDelivery).where(about)
                                .values(payload=ERASED_PAYLOAD, subject_id=None)
                                .execution_options(synchronize_session=False)).rowcount
    db.session.execute(sa.update(WebhookSubscription).where(WebhookSubscription.created_by_id == user.id)
                       .values(created_by_id=None).execution_options(synchronize_session=False))
    return erased


def register() -> None:
    personal_data.register(
        "webhooks", tables=("webhook_subscriptions", "webhook_deliveries"), export=export, erase=erase, order=90,
        erased=_l("What the webhooks of an association or a desk were sent about you (an application, a "
                  "contribution, a submission): its contents are erased, and an event not yet sent is never sent."),
        kept=_l("The delivery log keeps that an event was sent, when, and what the receiving system answered, "
                "without anything about you; a webhook endpoint you registered stays its association’s or "
                "desk’s, without your name."))
