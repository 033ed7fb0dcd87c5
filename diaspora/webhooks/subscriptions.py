"""Making, pausing, resuming and deleting subscriptions; a test event; redelivering one.

Services take the officer explicitly, `flush()` and never commit (the request or the CLI does),
and leave an AuditEvent. Where an endpoint may point is checked when it is registered and
again before every call (`check_endpoint`): HTTPS only, to a public address, unless the
configuration allows plain HTTP or private and loopback addresses (tests, a local receiver)."""

import base64
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from diaspora.core import audit
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.webhooks import events
from diaspora.webhooks.models import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookSubscription,
)

MAX_URL = 2000
MAX_DESCRIPTION = 100
MAX_PER_OWNER = 20
SECRET_BYTES = 32
NEWEST_FIRST = Ordering([SortKey(WebhookSubscription.id, lambda s: s.id, descending=True, kind=int)])
DELIVERIES_NEWEST_FIRST = Ordering([SortKey(WebhookDelivery.id, lambda d: d.id, descending=True, kind=int)])


class EndpointRefused(ValueError):
    """Not an address we call."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# ---------------------------------------------------------------------------- where we may call


def _config(key: str) -> bool:
    return bool(current_app.config.get(key))


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_endpoint(url: str, *, resolve: bool = True) -> None:
    """EndpointRefused unless `url` is an https:// URL whose host resolves only to public
    addresses (plain http and private or loopback addresses where the configuration allows)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EndpointRefused(_("Enter a full web address, like https://example.org/hooks.")) from None
    allowed_schemes = ("https", "http") if _config("WEBHOOKS_ALLOW_HTTP") else ("https",)
    if parts.scheme not in allowed_schemes:
        raise EndpointRefused(_("The address must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise EndpointRefused(_("Enter a full web address, like https://example.org/hooks (without a user name or "
                                "password in it)."))
    if _config("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES") or not resolve:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise EndpointRefused(_("This address’s host name could not be found.")) from None
    if not found or any(_refused_address(info[4][0]) for info in found):
        raise EndpointRefused(_("This address leads to a private or local network: give a public address."))


# ---------------------------------------------------------------------------- making


@dataclass
class Made:
    subscription: WebhookSubscription
    secret: str  # shown once


def _clean(url: str, description: str, event_types: list[str], owner: str) -> tuple[str, str, list[str]]:
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Enter the address to send events to."), field="url")
    if len(url) > MAX_URL:
        raise DomainError(_("Keep the address to 2000 characters."), field="url")
    try:
        check_endpoint(url)
    except EndpointRefused as error:
        raise DomainError(str(error), field="url") from None
    description = " ".join((description or "").split())
    if not description:
        raise DomainError(_("Say what this endpoint is, so that you recognise it: “CRM sync”."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(_("Keep the description to 100 characters."), field="description")
    allowed = [event.name for event in events.types_for(owner)]
    chosen = [name for name in allowed if name in set(event_types or ())]
    if not chosen or len(chosen) != len(set(event_types or ())):
        raise DomainError(_("Choose at least one of the events listed."), field="event_types")
    return url, description, chosen


def create(officer, *, url: str, description: str, event_types: list[str], association=None,
           desk=None) -> Made:
    assert (association is None) != (desk is None)
    owner = "association" if association is not None else "desk"
    url, description, chosen = _clean(url, description, event_types, owner)
    column = WebhookSubscription.association_id if association is not None else WebhookSubscription.desk_id
    owner_id = association.id if association is not None else desk.id
    if db.session.scalar(sa.select(sa.func.count()).where(column == owner_id)) >= MAX_PER_OWNER:
        raise DomainError(_("There are already 20 endpoints: delete one you no longer use first."))
    secret = new_secret()
    subscription = WebhookSubscription(
        association_id=association.id if association is not None else None,
        desk_id=desk.id if desk is not None else None, url=url, description=description, event_types=chosen,
        secret=secret, status=SubscriptionStatus.ACTIVE, created_by_id=officer.id)
    db.session.add(subscription)
    db.session.flush()
    audit.record("webhook.created", subscription, actor=officer, changes={
        "url": url, "event_types": chosen, "association_id": subscription.association_id,
        "desk_id": subscription.desk_id})
    return Made(subscription, secret)


# ---------------------------------------------------------------------------- changing


def pause(officer, subscription: WebhookSubscription) -> None:
    if subscription.status == SubscriptionStatus.PAUSED:
        raise DomainError(_("This endpoint is already paused."))
    subscription.status = SubscriptionStatus.PAUSED
    db.session.flush()
    audit.record("webhook.paused", subscription, actor=officer)


def resume(officer, subscription: WebhookSubscription) -> None:
    """Deliveries start again, those that waited first; a disabled endpoint gets a fresh count."""
    if subscription.is_active:
        raise DomainError(_("This endpoint is already active."))
    was = subscription.status
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.failures = 0
    subscription.disabled_at = None
    db.session.execute(sa.update(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(next_attempt_at=utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    audit.record("webhook.resumed", subscription, actor=officer, changes={"status": {"from": was, "to": "active"}})


def delete(officer, subscription: WebhookSubscription) -> None:
    """The endpoint and its delivery log go; the audit trail keeps that it existed."""
    audit.record("webhook.deleted", subscription, actor=officer, changes={"url": subscription.url})
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
                       .execution_options(synchronize_session=False))
    db.session.delete(subscription)
    db.session.flush()


def send_test(officer, subscription: WebhookSubscription) -> WebhookDelivery:
    """A `webhook.test` event for this endpoint alone, sent by the next delivery run."""
    delivery = WebhookDelivery(subscription_id=subscription.id, message_id=events.new_message_id(),
                               event_type=events.TEST_EVENT,
                               payload=events.envelope(events.TEST_EVENT, {"subscription_id": subscription.id}))
    db.session.add(delivery)
    db.session.flush()
    audit.record("webhook.test_sent", subscription, actor=officer, changes={"delivery_id": delivery.id})
    return delivery


def redeliver(officer, delivery: WebhookDelivery) -> WebhookDelivery:
    """The same event again (the same webhook-id, so a receiver that has it can tell), as a new
    delivery in the log."""
    if delivery.status == DeliveryStatus.PENDING:
        raise DomainError(_("This delivery has not finished yet: it will be tried again by itself."))
    if delivery.status == DeliveryStatus.CANCELLED:
        raise DomainError(_("This delivery was cancelled: its contents were erased."))
    again = WebhookDelivery(subscription_id=delivery.subscription_id, message_id=delivery.message_id,
                            event_type=delivery.event_type, payload=delivery.payload, subject_id=delivery.subject_id,
                            redelivery_of_id=delivery.id)
    db.session.add(again)
    db.session.flush()
    audit.record("webhook.redelivered", delivery.subscription, actor=officer,
                 changes={"delivery_id": delivery.id, "new_delivery_id": again.id})
    return again


# ---------------------------------------------------------------------------- lists


def of_association(association) -> sa.Select:
    return sa.select(WebhookSubscription).where(WebhookSubscription.association_id == association.id)


def of_desk(desk) -> sa.Select:
    return sa.select(WebhookSubscription).where(WebhookSubscription.desk_id == desk.id)


def deliveries_of(subscription: WebhookSubscription) -> sa.Select:
    return sa.select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)


def manageable_by(user) -> sa.Select:
    """Every subscription `user` may manage: those of the associations they run and the desks
    they work (a service token: its own association's or desk's)."""
    from diaspora.associations.models import Association
    from diaspora.associations.policy import officer_associations
    from diaspora.core.access import acting_for
    from diaspora.desks.models import DeskOfficer

    query = sa.select(WebhookSubscription).options(joinedload(WebhookSubscription.association),
                                                   joinedload(WebhookSubscription.desk))
    service = acting_for(user)
    if service is not None:
        if service.association_id is not None:
            return query.where(WebhookSubscription.association_id == service.association_id)
        return query.where(WebhookSubscription.desk_id == service.desk_id)
    associations = officer_associations(user).with_only_columns(Association.id).order_by(None)
    desks = sa.select(DeskOfficer.desk_id).where(DeskOfficer.user_id == user.id)
    return query.where(sa.or_(WebhookSubscription.association_id.in_(associations),
                              WebhookSubscription.desk_id.in_(desks)))
