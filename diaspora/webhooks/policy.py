"""Who may see and manage a webhook subscription and its delivery log: the officers of its
association, or the officers of its desk (and a service token of that association or desk,
as its officers). Nobody else, platform admins included: the endpoints and what they were sent
are the association's or the desk's business."""

from diaspora.associations.policy import is_officer
from diaspora.core.access import object_kind
from diaspora.desks.policy import works_desk
from diaspora.extensions import db
from diaspora.webhooks.models import WebhookDelivery, WebhookSubscription


def can_subscription(user, action: str, subscription: WebhookSubscription) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if subscription.association_id is not None:
        return is_officer(user, subscription.association)
    return works_desk(user, subscription.desk_id)


def can_delivery(user, action: str, delivery: WebhookDelivery) -> bool:
    return can_subscription(user, "manage", delivery.subscription)


def declare_kinds() -> None:
    object_kind("webhook", params=("subscription_id",),
                find=lambda subscription_id: db.session.get(WebhookSubscription, subscription_id),
                can=can_subscription, actions={"view", "manage"})
    object_kind("webhook_delivery", params=("delivery_id",),
                find=lambda delivery_id: db.session.get(WebhookDelivery, delivery_id),
                can=can_delivery, actions={"view", "redeliver"}, parent="webhook",
                parent_of=lambda delivery: delivery.subscription)
