"""Webhooks, end to end: a change writes its deliveries in its own transaction; `deliver_due`
sends them, signed, to a real receiver on loopback that checks the signature with the
`standardwebhooks` library; a receiver that fails is retried with backoff and switched off
with a mail to the officers; one that hangs slows neither `deliver_due` past its timeout nor
any request; two runners on PostgreSQL never send one delivery twice."""

import re
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from diaspora.contributions.logbook import logbook
from diaspora.contributions.verification import verification
from diaspora.core.models import OutboxMessage
from diaspora.core.time import today, utcnow
from diaspora.extensions import db as _db
from diaspora.webhooks import jobs, subscriptions
from diaspora.webhooks import personal_data as webhook_data
from diaspora.webhooks.models import DeliveryStatus, SubscriptionStatus, WebhookDelivery, WebhookSubscription
from tests.api.support import bearer, personal_token, service_token
from tests.contributions.samples import values
from tests.factories import DeskOfficerFactory, MembershipFactory, association_with_heritage
from tests.webhooks.support import receiving


@pytest.fixture
def receiver():
    with receiving() as found:
        yield found


@pytest.fixture
def tenant(db):
    association = association_with_heritage("GH")
    officer = MembershipFactory(association=association, officer=True).user
    other_officer = MembershipFactory(association=association, officer=True).user
    member = MembershipFactory(association=association).user
    return SimpleNamespace(association=association, officer=officer, other_officer=other_officer, member=member)


@pytest.fixture
def settings(app):
    """Change the app's configuration for one test."""
    saved = dict(app.config)

    def change(**values):
        app.config.update(values)

    yield change
    app.config.clear()
    app.config.update(saved)


def subscribe(tenant, url: str, events=("contribution.verified",)):
    made = subscriptions.create(tenant.officer, url=url, description="CRM sync", event_types=list(events),
                                association=tenant.association)
    _db.session.commit()
    return made


def verify_a_contribution(tenant, title: str = "Teaching week in Kumasi"):
    contribution = logbook.log(tenant.member, values(title))
    logbook.submit(tenant.member, contribution, tenant.association)
    verification.verify(tenant.officer, contribution)
    return contribution


def deliveries() -> list[WebhookDelivery]:
    _db.session.expire_all()
    return list(_db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


# ---------------------------------------------------------------------------- signed, verified


def test_a_change_is_delivered_signed_and_an_outside_verifier_accepts_it(tenant, receiver):
    made = subscribe(tenant, receiver.url("/ok"), events=("contribution.submitted", "contribution.verified"))
    receiver.secret = made.secret
    assert made.secret.startswith("whsec_")
    contribution = verify_a_contribution(tenant)
    _db.session.commit()
    assert [d.event_type for d in deliveries()] == ["contribution.submitted", "contribution.verified"]
    assert receiver.received == []  # nothing is sent by the change itself

    report = jobs.deliver_due()

    assert len(report.delivered) == 2 and report.failed == []
    assert [item.verified["type"] for item in receiver.received] == ["contribution.submitted",
                                                                     "contribution.verified"]
    last = receiver.received[-1]
    assert last.verified["data"]["contribution"] == {
        "id": contribution.id, "association_id": tenant.association.id, "status": "verified",
        "kind": "tele_education"}
    assert set(last.headers) >= {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert re.fullmatch(r"v1,[A-Za-z0-9+/=]+", last.headers["webhook-signature"])
    assert "Teaching week" not in last.body.decode()  # ids and statuses, never what people typed
    with pytest.raises(WebhookVerificationError):  # the signature is the secret's, and only its
        Webhook(subscriptions.new_secret()).verify(last.body, last.headers)
    tampered = last.body.replace(b'"verified"', b'"returned"')
    with pytest.raises(WebhookVerificationError):
        Webhook(made.secret).verify(tampered, last.headers)
    logged = deliveries()
    assert {d.status for d in logged} == {DeliveryStatus.DELIVERED}
    assert all(d.last_status_code == 204 and d.attempts == 1 and d.last_duration_ms is not None for d in logged)
    assert jobs.deliver_due().delivered == []  # nothing left to send


def test_a_withdrawn_verification_is_heard_as_a_revoked_credential(tenant, receiver):
    subscribe(tenant, receiver.url("/ok"), events=("credential.revoked",))
    contribution = verify_a_contribution(tenant)
    assert deliveries() == []  # a verification is not a revocation
    verification.withdraw_verification(tenant.officer, contribution, "Verified by mistake: the dates are wrong.")
    _db.session.commit()
    [delivery] = deliveries()
    assert delivery.event_type == "credential.revoked"
    assert delivery.payload["data"]["contribution"]["id"] == contribution.id
    assert "dates are wrong" not in str(delivery.payload)  # the reason is typed text: not sent


def test_a_shared_licence_nearing_expiry_is_heard_by_the_associations_it_is_shared_with(tenant, receiver):
    from diaspora.licensure import licences, reminders
    from tests.licensure.samples import a_regulator

    subscribe(tenant, receiver.url("/ok"), events=("licence.expiring",))
    licences.choose_sharing(tenant.member, {tenant.association.id: True})
    shared = licences.add_licence(tenant.member, {
        "regulator_id": a_regulator("GH", "NMC").id, "registration_number": "PIN-77", "category": "full",
        "issued_on": None, "expires_on": today() + timedelta(days=20), "reminders": True})
    _db.session.commit()
    assert deliveries() == []  # adding a licence is not news for the association

    reminders.remind(today())
    _db.session.commit()
    [delivery] = deliveries()
    assert delivery.event_type == "licence.expiring"
    assert delivery.payload["data"]["licence"] == {
        "id": shared.id, "association_id": tenant.association.id,
        "expires_on": (today() + timedelta(days=20)).isoformat(), "reminder": "30"}
    assert "PIN-77" not in str(delivery.payload)  # the registration number stays on the pages
    reminders.remind(today())  # each reminder once: no second delivery either
    _db.session.commit()
    assert len(deliveries()) == 1


def test_a_wrong_secret_is_refused_by_the_receiver_and_logged(tenant, receiver):
    subscribe(tenant, receiver.url("/ok"))
    receiver.secret = subscriptions.new_secret()  # the receiver holds another secret
    verify_a_contribution(tenant)
    _db.session.commit()
    report = jobs.deliver_due()
    assert report.failed and not report.delivered
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 401


def test_events_go_only_to_endpoints_that_asked_for_them_and_to_their_owner(tenant, receiver):
    subscribe(tenant, receiver.url("/ok"), events=("membership.approved",))
    other = SimpleNamespace(association=association_with_heritage("NG"))
    other.officer = MembershipFactory(association=other.association, officer=True).user
    subscribe(other, receiver.url("/other"), events=("contribution.verified",))
    verify_a_contribution(tenant)
    _db.session.commit()
    assert deliveries() == []


def test_a_rolled_back_change_leaves_no_delivery(tenant, receiver):
    subscribe(tenant, receiver.url("/ok"))
    verify_a_contribution(tenant)
    _db.session.flush()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 1
    _db.session.rollback()
    assert deliveries() == []
    assert jobs.deliver_due().delivered == [] and receiver.received == []


def test_a_refused_request_leaves_no_delivery(app, tenant, receiver, client, login):
    """A request that is refused (a return without its reason: 422, rolled back) writes no
    delivery; the same request done right writes one, in its own transaction."""
    subscribe(tenant, receiver.url("/ok"), events=("contribution.returned",))
    contribution = logbook.log(tenant.member, values("A week"))
    logbook.submit(tenant.member, contribution, tenant.association)
    _db.session.commit()
    token = personal_token(tenant.officer)
    answer = app.test_client().post(f"/api/v1/contributions/{contribution.id}/return", json={"reason": ""},
                                    headers=bearer(token))
    assert answer.status_code == 422
    assert deliveries() == []
    answer = app.test_client().post(f"/api/v1/contributions/{contribution.id}/return",
                                    json={"reason": "Add the dates"}, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    assert [d.event_type for d in deliveries()] == ["contribution.returned"]


# ---------------------------------------------------------------------------- failures


def test_a_failing_endpoint_is_retried_with_backoff_then_switched_off_and_its_officers_mailed(
        app, tenant, receiver, settings):
    settings(WEBHOOKS_DISABLE_AFTER=3, WEBHOOKS_MAX_ATTEMPTS=8, WEBHOOKS_BACKOFF_SECONDS=30)
    made = subscribe(tenant, receiver.url("/fail"))
    verify_a_contribution(tenant)
    _db.session.commit()

    started = utcnow()
    first = jobs.deliver_due()
    [delivery] = deliveries()
    assert first.failed == [delivery.id]
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_error == "HTTP 500"
    wait = delivery.next_attempt_at - started
    assert timedelta(seconds=15) <= wait <= timedelta(seconds=31), wait  # 30 s with jitter (half fixed)
    assert jobs.deliver_due().failed == []  # not due yet: nobody retries at once
    assert len(receiver.on("/fail")) == 1

    jobs.deliver_due(now=utcnow() + timedelta(seconds=31))
    [delivery] = deliveries()
    assert delivery.attempts == 2
    assert timedelta(seconds=30) <= delivery.next_attempt_at - delivery.last_attempt_at <= timedelta(seconds=60)

    third = jobs.deliver_due(now=utcnow() + timedelta(minutes=2))
    assert third.disabled == [made.subscription.id]
    subscription = _db.session.get(WebhookSubscription, made.subscription.id, populate_existing=True)
    assert subscription.status == SubscriptionStatus.DISABLED and subscription.failures == 3
    assert len(receiver.on("/fail")) == 3
    mails = list(_db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "webhooks_disabled")))
    assert sorted(m.recipient for m in mails) == sorted([tenant.officer.email, tenant.other_officer.email])
    assert all(m.status == OutboxMessage.SENT for m in mails)
    assert "CRM sync" in mails[0].subject

    # switched off: its events wait, new ones are not even written, nothing is sent
    assert jobs.deliver_due(now=utcnow() + timedelta(days=1)).failed == []
    assert len(receiver.on("/fail")) == 3
    # resumed (the endpoint fixed), the waiting delivery goes first
    subscription.url = receiver.url("/ok")
    receiver.secret = made.secret
    subscriptions.resume(tenant.officer, subscription)
    _db.session.commit()
    assert len(jobs.deliver_due().delivered) == 1


def test_a_delivery_is_given_up_after_its_last_attempt(tenant, receiver, settings):
    settings(WEBHOOKS_DISABLE_AFTER=100, WEBHOOKS_MAX_ATTEMPTS=2)
    subscribe(tenant, receiver.url("/fail"))
    verify_a_contribution(tenant)
    _db.session.commit()
    jobs.deliver_due()
    jobs.deliver_due(now=utcnow() + timedelta(hours=1))
    [delivery] = deliveries()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    assert jobs.deliver_due(now=utcnow() + timedelta(days=2)).failed == []


def test_a_hanging_endpoint_costs_deliver_due_its_timeout_and_slows_no_request(
        app, tenant, receiver, settings, client, login):
    settings(WEBHOOKS_CONNECT_TIMEOUT=0.5, WEBHOOKS_READ_TIMEOUT=0.5)
    receiver.hang_seconds = 5
    made = subscribe(tenant, receiver.url("/hang"))

    login(tenant.officer)
    page = f"/webhooks/{made.subscription.id}"
    csrf = _csrf(client, page)
    client.get(page)  # templates compiled: what is timed below is the request alone
    before = time.monotonic()
    answer = client.post(f"{page}/test", data={"csrf_token": csrf})
    took = time.monotonic() - before
    assert answer.status_code == 302 and took < 0.5, took  # under the 0.5 s timeout a call would cost
    assert receiver.received == []  # the request only wrote the delivery

    results = {}
    runner = threading.Thread(target=lambda: results.update(report=_in_context(app, jobs.deliver_due)))
    before = time.monotonic()
    runner.start()
    time.sleep(0.2)  # the runner is now waiting on the receiver
    during = time.monotonic()
    assert client.get(page).status_code == 200 and time.monotonic() - during < 1.0
    runner.join(timeout=10)
    took = time.monotonic() - before
    assert took < 2.0, took  # the read timeout (0.5 s), not the receiver's 5 s
    assert len(results["report"].failed) == 1
    [delivery] = deliveries()
    assert delivery.last_error == "Timed out" and delivery.status == DeliveryStatus.PENDING
    assert 400 <= delivery.last_duration_ms < 2000


def _in_context(app, function, **kwargs):
    with app.app_context():
        try:
            return function(**kwargs)
        finally:
            _db.session.remove()


def _csrf(client, url: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get(url).get_data(as_text=True))


# ---------------------------------------------------------------------------- claims


def test_a_claimed_delivery_is_not_claimed_again(tenant, receiver):
    subscribe(tenant, receiver.url("/ok"))
    verify_a_contribution(tenant)
    _db.session.commit()
    now = utcnow()
    first = jobs.claim(now, 10)
    assert len(first) == 1
    assert jobs.claim(now, 10) == []  # leased
    assert jobs.claim(now + timedelta(hours=1), 10) == first  # a lease that ran out (a runner that died)


@pytest.mark.postgres_only
def test_two_runners_at_once_never_send_one_delivery_twice(app, tenant, receiver):
    made = subscribe(tenant, receiver.url("/ok"))
    receiver.secret = made.secret
    for _ in range(40):
        subscriptions.send_test(tenant.officer, made.subscription)
    _db.session.commit()
    reports = []
    start = threading.Barrier(2)

    def run():
        start.wait()
        reports.append(_in_context(app, jobs.deliver_due, limit=25))
        reports.append(_in_context(app, jobs.deliver_due, limit=25))

    runners = [threading.Thread(target=run) for _ in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=60)
    sent = [item.headers["webhook-id"] for item in receiver.received]
    assert len(sent) == 40 and len(set(sent)) == 40
    delivered = [i for report in reports for i in report.delivered]
    assert sorted(delivered) == sorted(set(delivered)) and len(delivered) == 40
    assert {d.status for d in deliveries()} == {DeliveryStatus.DELIVERED}
    assert all(d.attempts == 1 for d in deliveries())


# ---------------------------------------------------------------------------- where we call


@pytest.mark.parametrize("url", ["http://hooks.example.org/x", "https://127.0.0.1/x", "https://10.1.2.3/x",
                                 "https://[::1]/x", "https://169.254.169.254/latest", "https://localhost/x",
                                 "ftp://example.org/x", "https://user:pw@example.org/x"])
def test_production_refuses_plain_http_and_private_addresses(tenant, settings, url):
    settings(WEBHOOKS_ALLOW_HTTP=False, WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False)
    with pytest.raises(subscriptions.DomainError) as refused:
        subscriptions.create(tenant.officer, url=url, description="x", event_types=["contribution.verified"],
                             association=tenant.association)
    assert refused.value.field == "url"


def test_an_endpoint_that_moved_to_a_private_address_is_not_called(tenant, receiver, settings):
    subscribe(tenant, receiver.url("/ok"))
    verify_a_contribution(tenant)
    _db.session.commit()
    settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False)
    report = jobs.deliver_due()
    assert report.failed and receiver.received == []
    assert deliveries()[0].last_error.startswith("Refused")


# ---------------------------------------------------------------------------- pages


def test_an_officer_registers_an_endpoint_on_the_page_and_sees_its_secret_once(tenant, client, login, forms,
                                                                                receiver):
    login(tenant.officer)
    page = f"/associations/{tenant.association.slug}/webhooks"
    answer = forms.submit(page, {"url": "", "description": "", "event_types": []})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "Enter the address to send events to." in text and "Choose at least one of the events" in text

    answer = forms.submit(page, {"url": receiver.url("/ok"), "description": "CRM sync",
                                 "event_types": ["contribution.verified", "membership.approved"]})
    assert answer.status_code == 200
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", answer.get_data(as_text=True)).group(0)
    [subscription] = _db.session.scalars(sa.select(WebhookSubscription)).all()
    assert subscription.secret == secret and subscription.event_types == ["membership.approved",
                                                                          "contribution.verified"]
    assert secret not in client.get(page).get_data(as_text=True)
    assert secret not in client.get(f"/webhooks/{subscription.id}").get_data(as_text=True)


def test_the_log_page_pages_by_keyset_pauses_resumes_redelivers_and_deletes(app, tenant, client, login, receiver,
                                                                            count_queries):
    made = subscribe(tenant, receiver.url("/ok"))
    receiver.secret = made.secret
    for _ in range(30):
        subscriptions.send_test(tenant.officer, made.subscription)
    _db.session.commit()
    jobs.deliver_due()
    login(tenant.officer)
    page = f"/webhooks/{made.subscription.id}"
    with count_queries() as counter:
        first = client.get(page)
    assert first.status_code == 200 and counter.count <= 12, counter.count
    text = first.get_data(as_text=True)
    assert text.count("webhook.test") == 25 and "HTTP 204" in text
    after = re.search(r'href="([^"]*after=[^"]*)"', text).group(1).replace("&amp;", "&")
    with count_queries() as counter:
        second = client.get(after)
    assert second.get_data(as_text=True).count("webhook.test") == 5 and counter.count <= 12

    last = deliveries()[-1]
    answer = client.post(f"{page}/deliveries/{last.id}/redeliver", data={"csrf_token": _csrf(client, page)})
    assert answer.status_code == 302
    again = deliveries()[-1]
    assert again.redelivery_of_id == last.id and again.message_id == last.message_id
    assert again.status == DeliveryStatus.PENDING

    client.post(f"{page}/pause", data={"csrf_token": _csrf(client, page)})
    assert jobs.deliver_due().delivered == []  # paused: it waits
    client.post(f"{page}/resume", data={"csrf_token": _csrf(client, page)})
    assert len(jobs.deliver_due().delivered) == 1
    assert [r.headers["webhook-id"] for r in receiver.received].count(last.message_id) == 2

    answer = client.post(f"{page}/delete", data={"csrf_token": _csrf(client, page)})
    assert answer.status_code == 302
    assert deliveries() == [] and _db.session.scalar(sa.select(sa.func.count()).select_from(WebhookSubscription)) == 0


def test_a_desk_officer_registers_a_desk_endpoint_and_hears_of_its_submissions(app, receiver, client, login, forms):
    from diaspora.desks.submissions import submissions
    from diaspora.desks.work import work

    desk_officer = DeskOfficerFactory(desk__country="KE")
    desk = desk_officer.desk
    login(desk_officer.user)
    page = f"/desks/{desk.id}/webhooks"
    text = client.get(page).get_data(as_text=True)
    assert "submission.created" in text and "contribution.verified" not in text
    answer = forms.submit(page, {"url": receiver.url("/ok"), "description": "Ministry case system",
                                 "event_types": ["submission.created", "submission.acknowledged"]})
    assert answer.status_code == 200
    receiver.secret = re.search(r"whsec_[A-Za-z0-9+/=]+", answer.get_data(as_text=True)).group(0)
    member = MembershipFactory().user
    made = submissions.send(member, country="KE", topic="policy_input", title="Clinics", show_identity=False,
                            answers={"policy_area": "Primary care", "document": "The 2026 plan",
                                     "recommendation": "More"})
    work.act(desk_officer.user, made, "acknowledge", made.version, None)
    _db.session.commit()
    jobs.deliver_due()
    events = [item.verified["type"] for item in receiver.received]
    assert events == ["submission.created", "submission.acknowledged"]
    assert receiver.received[0].verified["data"]["submission"]["reference"] == made.reference
    assert member.name.encode() not in receiver.received[0].body  # identity withheld, and never sent anyway


# ---------------------------------------------------------------------------- the API


def test_a_service_token_registers_lists_and_deletes_its_association_endpoints(app, tenant, receiver):
    client = app.test_client()
    token = service_token(tenant.officer, association=tenant.association)
    answer = client.post("/api/v1/webhooks", json={"url": receiver.url("/ok"), "description": "CRM",
                                                   "event_types": ["contribution.verified"]}, headers=bearer(token))
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert made["secret"].startswith("whsec_") and made["association"]["slug"] == tenant.association.slug
    listed = client.get("/api/v1/webhooks", headers=bearer(token)).get_json()
    assert [item["id"] for item in listed["items"]] == [made["id"]] and "secret" not in listed["items"][0]
    assert client.post(f"/api/v1/webhooks/{made['id']}/test", headers=bearer(token)).status_code == 200
    receiver.secret = made["secret"]
    jobs.deliver_due()
    log = client.get(f"/api/v1/webhooks/{made['id']}/deliveries?per_page=1", headers=bearer(token)).get_json()
    assert log["items"][0]["status"] == "delivered" and log["items"][0]["last_status_code"] == 204
    assert log["next"] is None
    assert client.delete(f"/api/v1/webhooks/{made['id']}", headers=bearer(token)).status_code == 204
    assert client.get(f"/api/v1/webhooks/{made['id']}", headers=bearer(token)).status_code == 404


def test_a_person_names_whom_the_endpoint_is_for_and_only_their_own(app, tenant, receiver):
    client = app.test_client()
    other = association_with_heritage("NG")
    token = personal_token(tenant.officer)
    sent = {"url": receiver.url("/ok"), "description": "CRM", "event_types": ["contribution.verified"]}
    assert client.post("/api/v1/webhooks", json=sent, headers=bearer(token)).status_code == 422
    refused = client.post("/api/v1/webhooks", json={**sent, "association": other.slug}, headers=bearer(token))
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "association"
    made = client.post("/api/v1/webhooks", json={**sent, "association": tenant.association.slug},
                       headers=bearer(token))
    assert made.status_code == 201
    wrong_kind = client.post("/api/v1/webhooks", json={**sent, "association": tenant.association.slug,
                                                       "event_types": ["submission.created"]}, headers=bearer(token))
    assert wrong_kind.status_code == 422
    member_token = personal_token(tenant.member)
    assert client.get("/api/v1/webhooks", headers=bearer(member_token)).get_json()["items"] == []


# ---------------------------------------------------------------------------- erasure, CLI


def test_erasing_the_person_an_event_was_about_empties_its_payload_and_cancels_it(tenant, receiver):
    subscribe(tenant, receiver.url("/ok"), events=("contribution.submitted", "contribution.verified"))
    verify_a_contribution(tenant)
    _db.session.commit()
    webhook_data.erase(tenant.member)
    _db.session.commit()
    logged = deliveries()
    assert {d.status for d in logged} == {DeliveryStatus.CANCELLED}
    assert all(d.payload == {"erased": True} and d.subject_id is None for d in logged)
    assert jobs.deliver_due().delivered == [] and receiver.received == []


def test_the_cli_delivers_what_is_due(app, tenant, receiver):
    made = subscribe(tenant, receiver.url("/ok"))
    receiver.secret = made.secret
    verify_a_contribution(tenant)
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver", "--limit", "5"])
    assert result.exit_code == 0 and "1 delivered, 0 failed" in result.output
    assert len(receiver.received) == 1 and receiver.received[0].verified is not None


def test_an_endpoint_deleted_during_a_call_is_not_recorded_into(app, tenant, receiver, settings):
    settings(WEBHOOKS_CONNECT_TIMEOUT=2, WEBHOOKS_READ_TIMEOUT=2)
    receiver.hang_seconds = 0.5
    made = subscribe(tenant, receiver.url("/hang"))
    receiver.secret = made.secret
    subscriptions.send_test(tenant.officer, made.subscription)
    _db.session.commit()
    results = {}
    runner = threading.Thread(target=lambda: results.update(report=_in_context(app, jobs.deliver_due)))
    runner.start()
    time.sleep(0.2)
    subscription_id, officer_id = made.subscription.id, tenant.officer.id
    _db.session.rollback()  # this test's own session holds nothing while the others work

    def delete():
        from diaspora.auth.models import User

        subscriptions.delete(_db.session.get(User, officer_id), _db.session.get(WebhookSubscription, subscription_id))
        _db.session.commit()

    _in_context(app, delete)  # as an officer's request would, on its own connection
    runner.join(timeout=10)
    assert "report" in results and deliveries() == []
