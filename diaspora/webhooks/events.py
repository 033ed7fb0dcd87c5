"""The events a subscription may ask for, and how a change becomes deliveries.

Every change a domain service makes is recorded in the audit trail, in the change's own
transaction (`core.audit.record`). The webhooks listen there (`core.audit.listen`): an audited
action listed below becomes one pending delivery for each active subscription of the
association or desk it concerns that asked for its event type. The delivery is a row like any
other: it exists exactly when the change does (a rolled-back request leaves none), and nothing
is sent from the request (`jobs.deliver_due` does that).

A payload names the record by id, with its status and the ids of what it belongs to: the
receiver reads the rest through the API with a token, under the same policies as the pages, so a
delivery never carries more about a person than its receiver may see there."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from diaspora.core.i18n import _l
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.webhooks.models import SubscriptionStatus, WebhookDelivery, WebhookSubscription

TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class EventType:
    name: str
    owner: str  # "association" or "desk": whose subscriptions may ask for it
    label: Any


EVENT_TYPES = {event.name: event for event in (
    EventType("membership.applied", "association", _l("Someone applied to join")),
    EventType("membership.approved", "association", _l("An application was approved")),
    EventType("membership.ended", "association", _l("A membership ended")),
    EventType("contribution.submitted", "association", _l("A contribution was sent for verification")),
    EventType("contribution.verified", "association", _l("A contribution was verified")),
    EventType("contribution.returned", "association", _l("A contribution was returned")),
    EventType("credential.revoked", "association",
              _l("A verification was withdrawn and its credential revoked")),
    EventType("licence.expiring", "association",
              _l("A licence a member shares is nearing its expiry date or has lapsed")),
    EventType("submission.created", "desk", _l("A submission reached the desk")),
    EventType("submission.acknowledged", "desk", _l("A submission was acknowledged")),
    EventType("submission.answered", "desk", _l("A submission was replied to")),
    EventType("submission.information_added", "desk", _l("A submitter added information")),
    EventType("submission.resolved", "desk", _l("A submission was resolved")),
    EventType("submission.closed", "desk", _l("A submission was closed")),
    EventType("submission.withdrawn", "desk", _l("A submission was withdrawn")),
)}

# audited action -> event type
FROM_AUDIT = {
    "membership.applied": "membership.applied",
    "membership.approved": "membership.approved",
    "membership.ended": "membership.ended",
    "contribution.submit": "contribution.submitted",
    "contribution.verify": "contribution.verified",
    "contribution.return": "contribution.returned",
    "contribution.withdraw_verification": "credential.revoked",
    "submission.sent": "submission.created",
    "submission.routed": "submission.created",
    "submission.acknowledge": "submission.acknowledged",
    "submission.replied": "submission.answered",
    "submission.information_added": "submission.information_added",
    "submission.resolve": "submission.resolved",
    "submission.close": "submission.closed",
    "submission.withdraw": "submission.withdrawn",
}


def types_for(owner: str) -> list[EventType]:
    return [event for event in EVENT_TYPES.values() if event.owner == owner]


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


# ---------------------------------------------------------------------------- payloads


def _membership(membership) -> tuple[str, int, dict, int | None]:
    return "association", membership.association_id, {"membership": {
        "id": membership.id, "association_id": membership.association_id, "status": str(membership.status)}}, \
        membership.user_id


def _contribution(contribution) -> tuple[str, int | None, dict, int | None]:
    return "association", contribution.association_id, {"contribution": {
        "id": contribution.id, "association_id": contribution.association_id, "status": str(contribution.status),
        "kind": str(contribution.kind)}}, contribution.user_id


def _submission(submission) -> tuple[str, int | None, dict, int | None]:
    return "desk", submission.desk_id, {"submission": {
        "id": submission.id, "reference": submission.reference, "desk_id": submission.desk_id,
        "country": submission.country, "topic": str(submission.topic), "status": str(submission.status)}}, \
        submission.user_id


PAYLOADS: dict[str, Callable] = {"membership": _membership, "contribution": _contribution,
                                 "credential": _contribution, "submission": _submission}


def envelope(event_type: str, data: dict) -> dict:
    """The body every delivery carries (Standard Webhooks' recommended shape)."""
    return {"type": event_type, "timestamp": utcnow().replace(microsecond=0).isoformat() + "Z", "data": data}


# ---------------------------------------------------------------------------- the listeners


def on_licence_reminders(held: list, thresholds: dict) -> None:
    """Told by the licence reminder run (licensure.reminders.listen), in its transaction: each
    reminded licence becomes a `licence.expiring` delivery for the associations its member
    shares it with (shared_licences) that asked for the event. Three statements a chunk."""
    from diaspora.licensure.models import SharedLicence

    if not held:
        return
    by_id = {licence.id: licence for licence in held}
    shares = db.session.execute(sa.select(SharedLicence.licence_id, SharedLicence.association_id)
                                .where(SharedLicence.licence_id.in_(by_id))).all()
    associations = {association_id for _licence_id, association_id in shares}
    if not associations:
        return
    wanted = db.session.execute(
        sa.select(WebhookSubscription.id, WebhookSubscription.association_id, WebhookSubscription.event_types)
        .where(WebhookSubscription.association_id.in_(associations),
               WebhookSubscription.status != SubscriptionStatus.DISABLED)).all()
    for licence_id, association_id in shares:
        licence = by_id[licence_id]
        body = envelope("licence.expiring", {"licence": {
            "id": licence.id, "association_id": association_id, "expires_on": licence.expires_on.isoformat(),
            "reminder": str(thresholds[licence.id])}})
        for subscription_id, owner_id, event_types in wanted:
            if owner_id == association_id and "licence.expiring" in (event_types or ()):
                db.session.add(WebhookDelivery(subscription_id=subscription_id, message_id=new_message_id(),
                                               event_type="licence.expiring", payload=body,
                                               subject_id=licence.user_id))



def on_audit(action: str, obj: Any, actor: Any) -> None:
    """Called by `core.audit.record` inside the change's transaction."""
    event_type = FROM_AUDIT.get(action)
    if event_type is None or obj is None:
        return
    make = PAYLOADS[event_type.split(".")[0]]
    owner, owner_id, data, subject_id = make(obj)
    if owner_id is None:  # a submission no desk took yet; a contribution not sent to an association
        return
    column = WebhookSubscription.association_id if owner == "association" else WebhookSubscription.desk_id
    subscriptions = db.session.execute(
        sa.select(WebhookSubscription.id, WebhookSubscription.event_types)
        .where(column == owner_id, WebhookSubscription.status != SubscriptionStatus.DISABLED)).all()
    body = envelope(event_type, data)
    for subscription_id, wanted in subscriptions:
        if event_type in (wanted or ()):
            db.session.add(WebhookDelivery(subscription_id=subscription_id, message_id=new_message_id(),
                                           event_type=event_type, payload=body, subject_id=subject_id))
