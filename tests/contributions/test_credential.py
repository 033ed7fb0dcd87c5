"""A verified contribution as a signed Open Badges 3.0 credential (VC-JWT): what it carries,
that it validates against 1EdTech's schema, that its signature verifies with the key the issuer
publishes, and that only its member gets it, only once verified, with only what they share."""

import base64
import hashlib
import json
import os
from pathlib import Path

import jsonschema
import pytest

from diaspora.contributions import badges, logbook
from diaspora.extensions import db
from tests.contributions.proof_data import member_with_a_record
from tests.factories import UserFactory

SCHEMA = Path("/work/shared/data/openbadges/achievementcredential.json")


def claims_of(token: str) -> dict:
    """The payload as anyone reads it, without checking the signature."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(token: str) -> dict:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))


def download(client, contribution) -> str:
    response = client.get(f"/contributions/{contribution.id}/credential.jwt")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/jwt"
    assert response.headers["Content-Disposition"] == f'attachment; filename="contribution-{contribution.id}.jwt"'
    return response.get_data(as_text=True)


def published_keys(client) -> dict:
    response = client.get("/credentials/issuer.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def record(db):
    return member_with_a_record(2)


def test_the_credential_carries_what_open_badges_3_requires(client, login, record):
    mission = record.verified[0]
    login(record.member)
    token = download(client, mission)
    credential = claims_of(token)

    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert set(credential["type"]) == {"VerifiableCredential", "OpenBadgeCredential"}
    link = f"http://localhost/proof/{mission.public_token}"
    assert credential["id"] == link  # the verification page
    assert credential["name"] == mission.title
    assert credential["validFrom"].endswith("Z") and credential["validFrom"].startswith(
        mission.verified_at.date().isoformat())
    issuer = credential["issuer"]
    assert issuer["id"] == "http://localhost/credentials/issuer" and issuer["type"] == ["Profile"]
    assert issuer["name"] == "Diaspora Health Network"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"]  # the spec: an id or at least one identifier
    assert subject["activityStartDate"].startswith("2025-02-10")
    achievement = subject["achievement"]
    for required in ("id", "type", "name", "description", "criteria"):
        assert achievement[required], required
    assert achievement["type"] == ["Achievement"] and achievement["name"] == mission.title
    assert "Ghana Doctors and Nurses UK" in achievement["criteria"]["narrative"]
    assert achievement["creator"] == {"id": "http://localhost/associations/gdn-uk", "type": ["Profile"],
                                      "name": "Ghana Doctors and Nurses UK"}
    assert credential["credentialStatus"] == {"id": f"http://localhost/credentials/status/{mission.public_token}",
                                              "type": "1EdTechRevocationList"}
    # the registered claims of a VC-JWT
    assert credential["iss"] == issuer["id"] and credential["jti"] == link
    assert isinstance(credential["nbf"], int)
    header = header_of(token)
    assert header["alg"] == "EdDSA" and header["kid"].startswith("http://localhost/credentials/issuer.json#")


def test_the_credential_validates_against_1edtechs_achievement_credential_schema(client, login, record):
    if not SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"1EdTech's AchievementCredential schema is missing at {SCHEMA}: CI must check against it")
        pytest.skip(f"1EdTech's AchievementCredential schema is not at {SCHEMA} on this machine")
    schema = json.loads(SCHEMA.read_text())
    login(record.member)
    for contribution in record.verified:
        credential = claims_of(download(client, contribution))
        validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(credential), key=lambda error: list(error.path))
        assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]
    # and the schema is not a rubber stamp: a credential without its issuer fails it
    broken = {key: value for key, value in credential.items() if key != "issuer"}
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(broken))


def test_the_signature_verifies_with_the_published_key_and_a_tampered_token_fails(client, login, record):
    login(record.member)
    token = download(client, record.verified[0])
    keys = published_keys(client)
    assert [key["kty"] for key in keys["keys"]] == ["OKP"] and keys["keys"][0]["crv"] == "Ed25519"
    assert "d" not in keys["keys"][0]  # the public half only
    assert keys["keys"][0]["kid"] == header_of(token)["kid"]
    assert badges.verify(token, keys)["name"] == record.verified[0].title

    header, payload, signature = token.split(".")
    forged = dict(claims_of(token), name="Ten years as chief surgeon")
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(badges.InvalidCredential):
        badges.verify(f"{header}.{forged_payload}.{signature}", keys)
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    with pytest.raises(badges.InvalidCredential):
        badges.verify(f"{header}.{payload}.{flipped}", keys)
    # a token signed by another key fails too, whatever it claims
    from joserfc.jwk import OKPKey

    other = OKPKey.generate_key("Ed25519", private=True)
    with pytest.raises(badges.InvalidCredential):
        badges.verify(token, {"keys": [{**other.as_dict(private=False), "kid": keys["keys"][0]["kid"]}]})


def test_the_issuer_profile_is_public(client, record):
    response = client.get("/credentials/issuer")
    assert response.status_code == 200
    profile = response.get_json()
    assert profile["id"] == "http://localhost/credentials/issuer" and profile["type"] == ["Profile"]
    assert profile["name"] == "Diaspora Health Network"
    assert client.get("/credentials/issuer.json").status_code == 200  # anyone, not logged in


def test_a_draft_or_a_contribution_awaiting_verification_has_no_credential(client, login, record):
    login(record.member)
    for contribution in (record.draft, record.awaiting):
        response = client.get(f"/contributions/{contribution.id}/credential.jwt")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/contributions/{contribution.id}")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Only a verified contribution has a credential." in page
        assert "Download the credential" not in page


def test_another_member_or_the_verifying_officer_gets_404_or_403(client, login, record):
    login(UserFactory())
    assert client.get(f"/contributions/{record.verified[0].id}/credential.jwt").status_code == 404
    login(record.officer)  # sees the contribution, but the credential is the member's to hand on
    assert client.get(f"/contributions/{record.verified[0].id}/credential.jwt").status_code == 403


def test_only_the_shared_fields_go_in(client, login, record):
    mission = record.verified[0]
    logbook.choose_shared(record.member, mission, ["hours"])
    db.session.commit()
    login(record.member)
    token = download(client, mission)
    text = json.dumps(claims_of(token), ensure_ascii=False)
    for private in ("Dr Ama Mensah", "ama.mensah@example.org", "Korle Bu Teaching Hospital", "Greater Accra",
                    "Where:", "With:", "Operated alongside", "People trained", "Patients reached"):
        assert private not in text, private
    subject = claims_of(token)["credentialSubject"]
    assert [identifier["identityType"] for identifier in subject["identifier"]] == ["emailAddress"]
    email = subject["identifier"][0]
    assert email["hashed"] is True  # whoever knows the address can check it is theirs; nobody else learns it
    assert email["identityHash"] == "sha256$" + hashlib.sha256(
        ("ama.mensah@example.org" + email["salt"]).encode()).hexdigest()
    assert [result["value"] for result in subject["result"]] == ["80"]  # the hours, shared

    logbook.choose_shared(record.member, mission, ["name", "country", "partner", "reach", "description"])
    db.session.commit()
    credential = claims_of(download(client, mission))
    text = json.dumps(credential, ensure_ascii=False)
    for shared in ("Dr Ama Mensah", "Korle Bu Teaching Hospital", "Greater Accra, Ghana", "Operated alongside"):
        assert shared in text, shared
    assert "ama.mensah@example.org" not in text
    assert [result["value"] for result in credential["credentialSubject"]["result"]] == ["14", "212"]


def test_revoking_the_link_or_reopening_shows_in_the_credential_status(client, login, record):
    first, second = record.verified
    login(record.member)
    status_url = claims_of(download(client, first))["credentialStatus"]["id"].removeprefix("http://localhost")
    assert client.get(status_url).get_json()["revokedCredentials"] == []

    logbook.revoke_link(record.member, first)
    db.session.commit()
    revoked = client.get(status_url).get_json()["revokedCredentials"]
    assert [entry["id"] for entry in revoked] == [f"http://localhost/proof/{first.public_token}"]
    assert client.get(f"/proof/{first.public_token}").status_code == 410
    refused = client.get(f"/contributions/{first.id}/credential.jwt")
    assert refused.status_code == 302  # a revoked link: make a new one first

    second_status = claims_of(download(client, second))["credentialStatus"]["id"].removeprefix("http://localhost")
    logbook.reopen(record.member, second)
    db.session.commit()
    assert client.get(second_status).get_json()["revokedCredentials"][0]["revocationReason"]


def test_the_pages_offer_and_explain_the_credential(client, login, record):
    mission = record.verified[0]
    login(record.member)
    page = client.get(f"/contributions/{mission.id}").get_data(as_text=True)
    assert f'href="/contributions/{mission.id}/credential.jwt"' in page and "Download the credential" in page
    public = client.get(f"/proof/{mission.public_token}").get_data(as_text=True)
    assert "Open Badges 3.0 credential" in public and "http://localhost/credentials/issuer.json" in public
