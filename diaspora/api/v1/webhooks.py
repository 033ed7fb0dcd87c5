"""Webhooks through the API (`webhooks:read`, `webhooks:write`): the endpoints a token's holder
manages (an officer's associations and desks; a service token's own association or desk),
registering one (its signing secret in that answer only), reading, pausing, resuming, testing
and deleting one, its delivery log (keyset pages) and redelivering from it, under the same
policy as the pages (webhooks/policy.py)."""

from typing import Literal

import sqlalchemy as sa
from flask import Response as FlaskResponse
from flask_login import current_user
from pydantic import Field
from spectree import Response

from diaspora.api.v1.document import describe
from diaspora.api.v1.models import AssociationRef, Named
from diaspora.api.v1.support import (
    OutModel,
    PageQuery,
    StrictModel,
    UtcDateTime,
    api,
    args,
    body,
    keyset_page,
    new_blueprint,
    page_model,
)
from diaspora.associations.models import Association
from diaspora.associations.policy import is_officer
from diaspora.core.access import acting_for, loads, plain, token_required
from diaspora.core.i18n import _
from diaspora.core.ids import MAX_ID
from diaspora.core.problems import Problem, field_error
from diaspora.desks.models import Desk
from diaspora.desks.policy import works_desk
from diaspora.extensions import db
from diaspora.webhooks import subscriptions
from diaspora.webhooks.events import EVENT_TYPES
from diaspora.webhooks.models import WebhookDelivery, WebhookSubscription

bp = new_blueprint("api_v1_webhooks")
TAG = "Webhooks"
EventTypeName = Literal[tuple(EVENT_TYPES)]  # type: ignore[valid-type]


class WebhookIn(StrictModel):
    url: str = Field(min_length=1, max_length=2000, description="An https:// address that accepts a POST of JSON.")
    description: str = Field(min_length=1, max_length=100, description="What it is: “CRM sync”.")
    event_types: list[EventTypeName] = Field(min_length=1, max_length=len(EVENT_TYPES))
    association: str | None = Field(None, min_length=1, max_length=100, description=(
        "The slug of the association it is for (one you run). A service token's own association or desk "
        "is implied."))
    desk_id: int | None = Field(None, ge=1, le=MAX_ID, description="The desk it is for (one you work).")


class Webhook(OutModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    status: Literal["active", "paused", "disabled"]
    failures: int = Field(description="Failed calls in a row; at the configured limit the endpoint is switched off.")
    association: AssociationRef | None
    desk: Named | None
    created_at: UtcDateTime
    disabled_at: UtcDateTime | None


class WebhookMade(Webhook):
    secret: str = Field(description="The signing secret (Standard Webhooks, whsec_…): shown in this answer only.")


class Delivery(OutModel):
    id: int
    message_id: str = Field(description="The webhook-id header: the same on every attempt and redelivery.")
    event_type: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    created_at: UtcDateTime
    next_attempt_at: UtcDateTime | None
    last_attempt_at: UtcDateTime | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    delivered_at: UtcDateTime | None
    redelivery_of: int | None
    payload: dict


WebhookPage = page_model(Webhook)
DeliveryPage = page_model(Delivery)


def webhook_out(subscription: WebhookSubscription, secret: str | None = None) -> Webhook:
    values = dict(
        id=subscription.id, url=subscription.url, description=subscription.description,
        event_types=list(subscription.event_types), status=subscription.status, failures=subscription.failures,
        association=AssociationRef(id=subscription.association.id, slug=subscription.association.slug,
                                   name=subscription.association.name) if subscription.association_id else None,
        desk=Named(id=subscription.desk.id, name=subscription.desk.name) if subscription.desk_id else None,
        created_at=subscription.created_at, disabled_at=subscription.disabled_at)
    return WebhookMade(**values, secret=secret) if secret is not None else Webhook(**values)


def delivery_out(delivery: WebhookDelivery) -> Delivery:
    return Delivery(id=delivery.id, message_id=delivery.message_id, event_type=delivery.event_type,
                    status=delivery.status, attempts=delivery.attempts, created_at=delivery.created_at,
                    next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
                    last_attempt_at=delivery.last_attempt_at, last_status_code=delivery.last_status_code,
                    last_error=delivery.last_error, last_duration_ms=delivery.last_duration_ms,
                    delivered_at=delivery.delivered_at, redelivery_of=delivery.redelivery_of_id,
                    payload=delivery.payload)


@bp.get("/webhooks")
@token_required("webhooks:read", services=True)
@describe(paged=True)
@api.validate(query=PageQuery, resp=Response(HTTP_200=WebhookPage), tags=[TAG])
def index():
    """The webhook endpoints you manage

    Those of the associations you run and the desks you work (a service token: its own
    association's or desk's), newest first."""
    return keyset_page(subscriptions.manageable_by(current_user), subscriptions.NEWEST_FIRST, WebhookPage,
                       webhook_out, after=args().after, per_page=args().per_page)


def _refuse(field: str, detail: str) -> Problem:
    return Problem(422, detail, kind="invalid-field", errors=[field_error(field, detail)])


def _owner(sent: WebhookIn) -> tuple[Association | None, Desk | None]:
    service = acting_for(current_user)
    if service is not None:
        if sent.association is not None or sent.desk_id is not None:
            raise _refuse("association", _("A service token registers endpoints for its own association or desk: "
                                           "leave out association and desk_id."))
        if service.association_id is not None:
            return db.session.get(Association, service.association_id), None
        return None, db.session.get(Desk, service.desk_id)
    if (sent.association is None) == (sent.desk_id is None):
        raise _refuse("association", _("Say whom it is for: association (a slug) or desk_id, one of them."))
    if sent.association is not None:
        association = db.session.scalar(sa.select(Association).where(Association.slug == sent.association))
        if association is None or not is_officer(current_user, association):
            raise _refuse("association", _("Choose one of the associations you run."))
        return association, None
    desk = db.session.get(Desk, sent.desk_id)
    if desk is None or not works_desk(current_user, desk.id):
        raise _refuse("desk_id", _("Choose one of the desks you work."))
    return None, desk


@bp.post("/webhooks")
@token_required("webhooks:write", services=True)
@describe()
@api.validate(json=WebhookIn, resp=Response(HTTP_201=WebhookMade), tags=[TAG])
def create():
    """Register a webhook endpoint

    For an association (its membership and contribution events) or a desk (its submission
    events). The answer carries the signing secret, once: keep it to verify each delivery's
    `webhook-signature` (Standard Webhooks)."""
    sent = body()
    association, desk = _owner(sent)
    made = subscriptions.create(current_user, url=sent.url, description=sent.description,
                                event_types=list(sent.event_types), association=association, desk=desk)
    return webhook_out(made.subscription, made.secret), 201


@bp.get("/webhooks/<int:subscription_id>")
@token_required("webhooks:read", services=True)
@loads(webhook="view")
@describe()
@api.validate(resp=Response(HTTP_200=Webhook), tags=[TAG])
def show(webhook):
    """Read a webhook endpoint (never its secret)"""
    return webhook_out(webhook)


@bp.post("/webhooks/<int:subscription_id>/<any(pause,resume,test):action>")
@token_required("webhooks:write", services=True)
@loads(webhook="manage")
@plain("action")
@describe()
@api.validate(resp=Response(HTTP_200=Webhook), tags=[TAG])
def act(webhook, action):
    """Pause, resume, or send a test event

    A paused endpoint's events wait; resuming sends them first (and gives an endpoint switched
    off after failures a fresh count). `test` queues a `webhook.test` event for it alone."""
    {"pause": subscriptions.pause, "resume": subscriptions.resume, "test": subscriptions.send_test}[action](
        current_user, webhook)
    return webhook_out(webhook)


@bp.delete("/webhooks/<int:subscription_id>")
@token_required("webhooks:write", services=True)
@loads(webhook="manage")
@describe()
@api.validate(resp=Response("HTTP_204"), tags=[TAG])
def delete(webhook):
    """Delete a webhook endpoint and its delivery log"""
    subscriptions.delete(current_user, webhook)
    return FlaskResponse(status=204)


@bp.get("/webhooks/<int:subscription_id>/deliveries")
@token_required("webhooks:read", services=True)
@loads(webhook="view")
@describe(paged=True)
@api.validate(query=PageQuery, resp=Response(HTTP_200=DeliveryPage), tags=[TAG])
def deliveries(webhook):
    """An endpoint's delivery log, newest first

    Each delivery's attempts, the last answer (status code or error) and how long it took."""
    return keyset_page(subscriptions.deliveries_of(webhook), subscriptions.DELIVERIES_NEWEST_FIRST, DeliveryPage,
                       delivery_out, after=args().after, per_page=args().per_page)


@bp.post("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@token_required("webhooks:write", services=True)
@loads(webhook="manage", webhook_delivery="redeliver")
@describe()
@api.validate(resp=Response(HTTP_201=Delivery), tags=[TAG])
def redeliver(webhook, webhook_delivery):
    """Send a delivered or failed event again

    As a new delivery in the log, with the same `message_id` (webhook-id)."""
    return delivery_out(subscriptions.redeliver(current_user, webhook_delivery)), 201
