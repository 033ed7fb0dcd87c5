"""What the webhooks add to the suite-wide tests (see tests/samples.py): an endpoint of each
tenant's association (its description and address are the tenant's secrets) with a delivery in
its log, and, for the erasure scan, events about a person that their association's endpoint
was sent."""

from diaspora.contributions.logbook import logbook
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.webhooks import subscriptions
from diaspora.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.contributions.samples import values
from tests.samples import OFFICER, Person, Tenant, insiders, kind_sample, person_sample

# An association's endpoints and their logs are its officers' (a desk's, its desk's officers'):
# nobody else, platform admins included.
insiders("webhook", "view", OFFICER)
insiders("webhook", "manage", OFFICER)
insiders("webhook_delivery", "view", OFFICER)
insiders("webhook_delivery", "redeliver", OFFICER)


def endpoint(tenant: Tenant):
    return subscriptions.create(
        tenant.officer, url=f"https://{tenant.secret('host')}.example.org/hooks",
        description=f"CRM {tenant.secret('webhook')}", event_types=["contribution.verified", "membership.approved"],
        association=tenant.association).subscription


@kind_sample("webhook")
def webhook(tenant: Tenant) -> dict:
    return {"subscription_id": endpoint(tenant).id}


@kind_sample("webhook_delivery")
def webhook_delivery(tenant: Tenant) -> dict:
    subscription = endpoint(tenant)
    delivery = subscriptions.send_test(tenant.officer, subscription)
    delivery.status = DeliveryStatus.DELIVERED
    delivery.attempts = 1
    delivery.last_status_code = 204
    delivery.last_attempt_at = delivery.delivered_at = utcnow()
    db.session.flush()
    return {"subscription_id": subscription.id, "delivery_id": delivery.id}


@person_sample
def events_about_them(person: Person) -> None:
    """Their association's endpoint hears of a contribution they sent: one delivery sent (its
    payload about them), one still waiting."""
    subscriptions.create(person.officer, url="https://crm.example.org/hooks", description="CRM sync",
                         event_types=["contribution.submitted"], association=person.association)
    for label in ("webhook-sent", "webhook-waiting"):
        contribution = logbook.log(person.user, values(person.mark(label)))
        logbook.submit(person.user, contribution, person.association)
    db.session.flush()
    first = db.session.scalars(WebhookDelivery.__table__.select().where(
        WebhookDelivery.subject_id == person.user.id).order_by(WebhookDelivery.id)).first()
    assert first is not None, "submitting a contribution queues a delivery about its member"
    db.session.execute(WebhookDelivery.__table__.update().where(WebhookDelivery.id == first)
                       .values(status=DeliveryStatus.DELIVERED, attempts=1, last_status_code=200))
