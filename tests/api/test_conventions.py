"""What a developer expects of the API, as they would meet it: a way in from /api, one OpenAPI
3.1 description (checked by a validator we did not write) and a reference page with nothing
fetched from elsewhere; problem details naming the wrong field; keyset pages with a `next` link;
ETag / If-Match with 412 and 428; 429 with Retry-After; times in ISO 8601 with their zone; CORS
on the public verification calls only; and a member's whole round trip, from a draft to a
verified contribution with its public link."""

import io
import re
from datetime import timedelta

from openapi_spec_validator import validate

from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution
from diaspora.contributions.proof import badges
from diaspora.contributions.verification import verification
from diaspora.core.time import today
from diaspora.extensions import db
from tests.api.support import bearer, personal_token
from tests.contributions.samples import PDF, values
from tests.factories import MembershipFactory, ProfileFactory, UserFactory

PROBLEM = "application/problem+json"


def test_the_way_in_answers_where_it_used_to_be_404(client):
    assert client.get("/api").status_code == 308 and client.get("/api").headers["Location"].endswith("/api/v1")
    index = client.get("/api/v1").get_json()
    assert index["openapi"].endswith("/api/v1/openapi.json") and index["reference"].endswith("/api/v1/reference")
    assert client.get("/openapi.json").headers["Location"].endswith("/api/v1/openapi.json")


def test_the_description_is_openapi_3_1_that_a_validator_accepts(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    operation = document["paths"]["/api/v1/contributions/{contribution_id}/submit"]["post"]
    assert operation["security"] == [{"token": ["contributions:write"]}]
    assert operation["responses"]["422"]["content"][PROBLEM]


def test_the_reference_page_needs_nothing_from_elsewhere_and_the_account_page_links_to_it(client, login):
    page = client.get("/api/v1/reference").get_data(as_text=True)
    assert "POST /api/v1/contributions/{contribution_id}/submit" in page and 'id="problem-stale-version"' in page
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)
    login(UserFactory())
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/tokens"' in account and 'href="/api/v1/reference"' in account


def test_a_wrong_field_is_named_in_a_problem(app):
    member = MembershipFactory().user
    secret = personal_token(member)
    client = app.test_client()
    response = client.post("/api/v1/contributions", headers=bearer(secret), json={"kind": "training", "title": "",
                                                                                    "starts_on": "2026-01-01"})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert [error["field"] for error in response.get_json()["errors"]] == ["title"]
    assert response.get_json()["errors"][0]["pointer"] == "#/title"
    later = (today() + timedelta(days=3)).isoformat()
    refused = client.post("/api/v1/contributions", headers=bearer(secret), json={
        "kind": "training", "title": "Next week", "starts_on": later})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [{"field": "starts_on", "pointer": "#/starts_on",
                                             "detail": "The first day must be today or earlier."}]
    not_json = client.post("/api/v1/contributions", headers=bearer(secret), data="kind=training",
                           content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 415 and not_json.mimetype == PROBLEM
    assert client.get("/api/v1/nowhere", headers=bearer(secret)).mimetype == PROBLEM


def test_a_stale_write_is_refused_with_412_and_a_missing_version_with_428(app):
    member = MembershipFactory().user
    secret = personal_token(member)
    client = app.test_client()
    made = client.post("/api/v1/contributions", headers=bearer(secret), json={
        "kind": "training", "title": "First title", "starts_on": today().isoformat()})
    url, etag = f"/api/v1/contributions/{made.get_json()['id']}", made.headers["ETag"]
    assert client.patch(url, headers=bearer(secret), json={"title": "No version"}).status_code == 428
    changed = client.patch(url, headers={**bearer(secret), "If-Match": etag}, json={"title": "Second title"})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale = client.patch(url, headers={**bearer(secret), "If-Match": etag}, json={"title": "Overwritten"})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert client.get(url, headers=bearer(secret)).get_json()["title"] == "Second title"


def test_lists_are_keyset_pages_with_a_next_link(app):
    member = MembershipFactory().user
    for number in range(5):
        logbook.log(member, values(f"Training {number}", starts_on=today() - timedelta(days=number), ends_on=None))
    db.session.commit()
    secret = personal_token(member)
    client = app.test_client()
    first = client.get("/api/v1/contributions?per_page=2", headers=bearer(secret))
    body = first.get_json()
    assert [item["title"] for item in body["items"]] == ["Training 0", "Training 1"]
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    second = client.get(body["next"].removeprefix("http://localhost"), headers=bearer(secret)).get_json()
    assert [item["title"] for item in second["items"]] == ["Training 2", "Training 3"]
    bad = client.get("/api/v1/contributions?after=notacursor", headers=bearer(secret))
    assert bad.status_code == 404 and bad.get_json()["errors"][0]["field"] == "after"


def test_too_many_calls_are_answered_429_with_retry_after(app):
    member = UserFactory()
    secret = personal_token(member)
    client = app.test_client()
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        statuses = [client.get("/api/v1/me", headers=bearer(secret)).status_code for _ in range(3)]
        limited = client.get("/api/v1/me", headers=bearer(secret))
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
    assert statuses == [200, 200, 429]
    assert limited.mimetype == PROBLEM and 1 <= int(limited.headers["Retry-After"]) <= 61
    assert "the limit is 2 per 1 minute" in limited.get_json()["detail"]
    other = personal_token(UserFactory())  # the limit is per token
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_times_are_iso_8601_in_utc(app):
    member = MembershipFactory().user
    made = logbook.log(member, values("Dated"))
    logbook.submit(member, made, logbook.associations_to_verify(member)[0])
    db.session.commit()
    found = app.test_client().get(f"/api/v1/contributions/{made.id}", headers=bearer(personal_token(member)))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", found.get_json()["submitted_at"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", found.get_json()["starts_on"])


def _verified(member, officer, association) -> Contribution:
    made = logbook.log(member, values("Shared", description="What was done"))
    logbook.submit(member, made, association)
    verification.verify(officer, made)
    db.session.commit()
    return made


def test_only_the_public_verification_calls_answer_other_sites(app):
    membership = MembershipFactory()
    officer = MembershipFactory(association=membership.association, officer=True).user
    made = _verified(membership.user, officer, membership.association)
    client = app.test_client()
    origin = {"Origin": "https://verifier.example"}
    proof = client.get(f"/api/v1/proofs/{made.public_token}", headers=origin)
    assert proof.status_code == 200 and proof.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/credentials/verify", headers={
        **origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*" and "POST" in preflight.headers[
        "Access-Control-Allow-Methods"]
    private = client.get("/api/v1/me", headers={**origin, **bearer(personal_token(membership.user))})
    assert "Access-Control-Allow-Origin" not in private.headers


def test_anyone_verifies_a_proof_link_and_a_credential_without_a_token(app):
    membership = MembershipFactory(user=UserFactory(name="Kwame Asante"))
    officer = MembershipFactory(association=membership.association, officer=True).user
    made = _verified(membership.user, officer, membership.association)
    client = app.test_client()
    proof = client.get(f"/api/v1/proofs/{made.public_token}").get_json()
    assert proof["valid"] and proof["contributor"] == "Kwame Asante" and proof["description"] is None
    with app.test_request_context():
        credential = badges.credential_jwt(made)
    checked = client.post("/api/v1/credentials/verify", json={"credential": credential}).get_json()
    assert checked["valid"] and checked["signed"] and checked["revoked"] is False
    tampered = credential[:-4] + ("AAAA" if not credential.endswith("AAAA") else "BBBB")
    assert client.post("/api/v1/credentials/verify", json={"credential": tampered}).get_json()["signed"] is False
    logbook.revoke_link(membership.user, db.session.get(Contribution, made.id))
    db.session.commit()
    again = client.post("/api/v1/credentials/verify", json={"credential": credential}).get_json()
    assert again["valid"] is False and again["revoked"] is True and again["reason"] == "revoked"
    assert client.get(f"/api/v1/proofs/{made.public_token}").get_json() == {**{key: None for key in proof},
                                                                           "valid": False, "link": proof["link"]}


def test_a_member_logs_a_contribution_attaches_evidence_and_an_officer_verifies_it(app):
    membership = MembershipFactory()
    officer = MembershipFactory(association=membership.association, officer=True).user
    member_token, officer_token = personal_token(membership.user), personal_token(officer)
    client = app.test_client()
    made = client.post("/api/v1/contributions", headers=bearer(member_token), json={
        "kind": "training", "title": "Neonatal resuscitation", "starts_on": today().isoformat(), "hours": 6})
    url = f"/api/v1/contributions/{made.get_json()['id']}"
    attached = client.post(f"{url}/evidence", headers={**bearer(member_token), "If-Match": made.headers["ETag"]},
                           data={"file": (io.BytesIO(PDF), "attendance.pdf", "application/pdf")},
                           content_type="multipart/form-data")
    assert attached.status_code == 201 and attached.get_json()["evidence"][0]["filename"] == "attendance.pdf"
    sent = client.post(f"{url}/submit", headers=bearer(member_token),
                       json={"association_id": membership.association.id})
    assert sent.get_json()["status"] == "submitted"
    queue = client.get(f"/api/v1/associations/{membership.association.slug}/verification",
                       headers=bearer(officer_token)).get_json()
    assert [item["title"] for item in queue["items"]] == ["Neonatal resuscitation"]
    assert client.post(f"{url}/verify", headers=bearer(member_token)).status_code == 403  # not their decision
    assert client.post(f"{url}/verify", headers=bearer(officer_token)).get_json()["status"] == "verified"
    mine = client.get(url, headers=bearer(member_token)).get_json()
    assert mine["status"] == "verified" and mine["public_link"].startswith("http://localhost/proof/")


def test_a_member_changes_their_profile_with_the_version_they_read(app):
    member = UserFactory()
    ProfileFactory(user=member, cadre="nurse", heritage=["GH"], specialty="Critical care")
    secret = personal_token(member)
    client = app.test_client()
    read = client.get("/api/v1/me", headers=bearer(secret))
    assert read.get_json()["profile"]["specialty"] == "Critical care"
    changed = client.patch("/api/v1/me/profile", headers={**bearer(secret), "If-Match": read.headers["ETag"]},
                           json={"specialty": "Paediatric intensive care", "languages": ["eng", "twi"]})
    assert changed.status_code == 200
    profile = changed.get_json()["profile"]
    assert profile["specialty"] == "Paediatric intensive care" and profile["languages"] == ["eng", "twi"]
    assert profile["heritage_countries"] == ["GH"] and profile["cadre"] == "nurse"  # what was not sent stays
    stale = client.patch("/api/v1/me/profile", headers={**bearer(secret), "If-Match": read.headers["ETag"]},
                         json={"specialty": "Overwritten"})
    assert stale.status_code == 412
    wrong = client.patch("/api/v1/me/profile", headers={**bearer(secret), "If-Match": changed.headers["ETag"]},
                         json={"heritage_countries": ["XX"]})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "heritage_countries"
