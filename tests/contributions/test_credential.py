"""A verified contribution as a signed Open Badges 3.0 credential (VC-JWT): what it carries,
that it validates against 1EdTech's schema, that its signature verifies with the key the issuer
publishes (with our signer and with two JOSE libraries we did not write), that only its member
gets it, only once verified, with only what they share; and that its status is a W3C Bitstring
Status List that an outside verifier (openbadgeslib) reads, fetched from a live server: a valid
credential passes, one revoked by any route is reported revoked, a tampered one fails."""

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path

import jsonschema
import jwt as pyjwt
import pytest
import sqlalchemy as sa
from jwcrypto import jwk, jws
from openbadgeslib.ob3.verifier import OB3VerificationError, OB3Verifier
from openbadgeslib.util import download_file

from diaspora.auth import services as accounts
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution, CredentialSubject, IssuedCredential
from diaspora.contributions.proof import badges
from diaspora.contributions.verification import verification
from diaspora.extensions import db
from tests.contributions.proof_data import member_with_a_record
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.live import LiveServer

SCHEMA = Path(__file__).parent.parent / "data" / "openbadges" / "achievementcredential.json"
SITE = "http://localhost"  # SERVER_NAME in the tests: where the credentials say their status lives


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
    link = f"{SITE}/proof/{mission.public_token}"
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
    # the subject's id: the member's random urn:uuid, the JWT's sub (OB 3.0's VC-JWT rules)
    assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        subject["id"])
    assert credential["sub"] == subject["id"]
    assert subject["activityStartDate"].startswith("2025-02-10")
    achievement = subject["achievement"]
    for required in ("id", "type", "name", "description", "criteria"):
        assert achievement[required], required
    assert achievement["type"] == ["Achievement"] and achievement["name"] == mission.title
    assert "Ghana Doctors and Nurses UK" in achievement["criteria"]["narrative"]
    assert achievement["creator"] == {"id": "http://localhost/associations/gdn-uk", "type": ["Profile"],
                                      "name": "Ghana Doctors and Nurses UK"}
    status = credential["credentialStatus"]
    index = status["statusListIndex"]
    assert status == {"id": f"{SITE}/credentials/status/1#{index}", "type": "BitstringStatusListEntry",
                      "statusPurpose": "revocation", "statusListIndex": index,
                      "statusListCredential": f"{SITE}/credentials/status/1"}
    assert 0 <= int(index) < 131_072
    # the registered claims of a VC-JWT
    assert credential["iss"] == issuer["id"] and credential["jti"] == link
    assert isinstance(credential["nbf"], int)
    header = header_of(token)
    assert header["alg"] == "EdDSA" and header["kid"].startswith("http://localhost/credentials/issuer.json#")


def test_the_credential_validates_against_1edtechs_achievement_credential_schema(client, login, record):
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


def test_the_pages_offer_and_explain_the_credential(client, login, record):
    mission = record.verified[0]
    login(record.member)
    page = client.get(f"/contributions/{mission.id}").get_data(as_text=True)
    assert f'href="/contributions/{mission.id}/credential.jwt"' in page and "Download the credential" in page
    public = client.get(f"/proof/{mission.public_token}").get_data(as_text=True)
    assert "Open Badges 3.0 credential" in public and "http://localhost/credentials/issuer.json" in public


# ---------------------------------------------------------------------------- status: W3C Bitstring Status List


def key_pem(client) -> bytes:
    """The issuer's published public key, as PEM (what openbadgeslib and PyJWT take)."""
    return jwk.JWK(**published_keys(client)["keys"][0]).export_to_pem()


def bits_of(encoded_list: str) -> bytes:
    """The bitstring, read as the specification says: multibase "u" (base64url, no padding),
    then GZIP."""
    assert encoded_list.startswith("u") and "=" not in encoded_list
    data = encoded_list[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def status_list(anonymous, url: str) -> dict:
    response = anonymous.get(url.removeprefix(SITE))
    assert response.status_code == 200, (url, response.status_code)  # never a 404
    return claims_of(response.get_data(as_text=True))


def is_revoked(anonymous, credential: dict) -> bool:
    status = credential["credentialStatus"]
    bits = bits_of(status_list(anonymous, status["statusListCredential"])["credentialSubject"]["encodedList"])
    index = int(status["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


@pytest.fixture
def anonymous(app):
    """A verifier: nobody logged in."""
    return app.test_client()


def test_the_status_list_is_a_signed_bitstring_status_list_credential_kept_briefly(client, login, record,
                                                                                  anonymous):
    login(record.member)
    credential = claims_of(download(client, record.verified[0]))
    url = credential["credentialStatus"]["statusListCredential"]
    response = anonymous.get(url.removeprefix(SITE))
    assert response.status_code == 200 and response.mimetype == "application/jwt"
    assert response.headers["Cache-Control"] == "public, max-age=300"  # a revocation shows within minutes
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    token = response.get_data(as_text=True)
    assert header_of(token)["kid"] == header_of(download(client, record.verified[0]))["kid"]
    # signed like the credentials: PyJWT checks the signature and the time claims
    claims = pyjwt.decode(token, key_pem(client), algorithms=["EdDSA"])
    assert claims["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert claims["id"] == claims["jti"] == url
    assert claims["issuer"]["id"] == claims["iss"] == credential["issuer"]["id"]
    assert claims["nbf"] <= claims["exp"]
    subject = claims["credentialSubject"]
    assert subject["id"] == claims["sub"] == f"{url}#list"
    assert (subject["type"], subject["statusPurpose"], subject["ttl"]) == ("BitstringStatusList", "revocation",
                                                                         300_000)
    bits = bits_of(subject["encodedList"])
    assert len(bits) == 16_384  # 131,072 entries: the specification's minimum, for herd privacy
    assert not any(bits)  # nothing revoked yet
    # the places are drawn at random, not handed out in order
    indices = sorted(int(claims_of(download(client, c))["credentialStatus"]["statusListIndex"])
                     for c in record.verified)
    assert indices != [0, 1] and len(set(indices)) == 2
    for unknown in ("/credentials/status/2", "/credentials/status/0", "/credentials/status/abc"):
        assert anonymous.get(unknown).status_code == 404


@pytest.fixture
def four(db):
    return member_with_a_record(4)


def revoke_in_every_way(record) -> None:
    """Link renewed; reopened and verified again; verification withdrawn (the fourth is left)."""
    renewed, reverified, withdrawn, _kept = record.verified
    logbook.renew_link(record.member, renewed)
    logbook.reopen(record.member, reverified)
    logbook.submit(record.member, reverified, record.association)
    verification.verify(record.officer, reverified)
    verification.withdraw_verification(record.officer, withdrawn, "Verified by mistake: the dates are wrong.")
    db.session.commit()


def erase(user) -> None:
    accounts.delete_account(db.session.get(accounts.User, user.id), DEFAULT_PASSWORD)
    db.session.commit()


def test_a_credential_revoked_in_any_way_is_revoked_in_its_status_list_and_never_404(client, login, four,
                                                                                    anonymous):
    login(four.member)
    issued = [claims_of(download(client, c)) for c in four.verified]
    assert not any(is_revoked(anonymous, credential) for credential in issued)

    revoke_in_every_way(four)
    assert [is_revoked(anonymous, credential) for credential in issued] == [True, True, True, False]
    renewed, reverified, withdrawn, kept = four.verified
    for again in (renewed, reverified):  # the new credential is a new one, valid, at another place
        fresh = claims_of(download(client, again))
        assert not is_revoked(anonymous, fresh)
        assert fresh["credentialStatus"]["statusListIndex"] != issued[four.verified.index(again)][
            "credentialStatus"]["statusListIndex"]
    reasons = dict(db.session.execute(sa.select(IssuedCredential.contribution_id, IssuedCredential.reason)
                                      .where(IssuedCredential.revoked_at.is_not(None))).all())
    assert reasons == {renewed.id: "link_renewed", reverified.id: "reopened", withdrawn.id: "verification_withdrawn"}

    erase(four.member)
    assert all(is_revoked(anonymous, credential) for credential in issued)
    # every credential ever issued keeps its row, revoked, naming neither the member nor the contribution
    rows = list(db.session.scalars(sa.select(IssuedCredential)))
    assert len(rows) == 6 and all(row.revoked_at is not None for row in rows)
    assert {(row.user_id, row.contribution_id) for row in rows} == {(None, None)}
    assert db.session.get(Contribution, kept.id).status == "verified"  # the totals stay true


def test_the_member_is_named_by_a_random_identifier_that_goes_with_their_account(client, login, record):
    other = member_with_a_record(1, tag="-ie")
    login(record.member)
    subjects = {claims_of(download(client, c))["sub"] for c in record.verified}
    login(other.member)
    theirs = claims_of(download(client, other.verified[0]))["sub"]
    assert len(subjects) == 1 and theirs not in subjects  # one per member, the same in all their credentials
    (subject,) = subjects
    assert "ama" not in subject and "mensah" not in subject.lower()
    assert accounts.export_data(record.member)["contribution credentials"]["subject_id"] == subject

    erase(record.member)
    assert db.session.scalar(sa.select(CredentialSubject.user_id).where(
        CredentialSubject.subject_uuid == subject.removeprefix("urn:uuid:"))) is None


def test_two_jose_libraries_we_did_not_write_verify_the_credential_and_its_status_list(client, login, record,
                                                                                      anonymous):
    login(record.member)
    token = download(client, record.verified[0])
    status_token = anonymous.get("/credentials/status/1").get_data(as_text=True)
    key = jwk.JWK(**published_keys(client)["keys"][0])
    for signed in (token, status_token):
        checked = jws.JWS()
        checked.deserialize(signed)
        checked.verify(key, alg="EdDSA")  # jwcrypto
        assert json.loads(checked.payload) == pyjwt.decode(signed, key.export_to_pem(), algorithms=["EdDSA"])
    header, payload, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps(dict(claims_of(token), name="Chief surgeon")).encode()
                                      ).rstrip(b"=").decode()
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(f"{header}.{forged}.{signature}", key.export_to_pem(), algorithms=["EdDSA"])
    tampered = jws.JWS()
    tampered.deserialize(f"{header}.{forged}.{signature}")
    with pytest.raises(jws.InvalidJWSSignature):
        tampered.verify(key, alg="EdDSA")


# ---------------------------------------------------------------------------- an outside verifier, online


@pytest.fixture(scope="module")
def status_server(app):
    """The app on a port of loopback, for openbadgeslib to fetch the status lists from."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


def fetch_through(server):
    """openbadgeslib's own downloader, allowed plain HTTP on loopback, sent to the live server for
    the host the credentials name (SERVER_NAME, which does not resolve here)."""

    def download(url: str) -> bytes:
        assert url.startswith(f"{SITE}/"), url
        return download_file(server.url(url.removeprefix(SITE)), allow_insecure=True, allow_private=True)

    return download


def test_openbadgeslib_accepts_a_valid_credential_and_reports_every_revoked_one(client, login, four,
                                                                               status_server, capsys):
    login(four.member)
    tokens = [download(client, c) for c in four.verified]
    verifier = OB3Verifier(key_pem(client))
    fetch = fetch_through(status_server)

    def check(token):
        return verifier.verify(token, check_status=True, download=fetch)

    for token, contribution in zip(tokens, four.verified, strict=True):
        assert check(token).achievement.name == contribution.title
    header, payload, signature = tokens[0].split(".")
    forged = base64.urlsafe_b64encode(json.dumps(dict(claims_of(tokens[0]), name="Chief surgeon")).encode()
                                      ).rstrip(b"=").decode()
    with pytest.raises(OB3VerificationError, match="Invalid signature"):
        check(f"{header}.{forged}.{signature}")

    revoke_in_every_way(four)
    for token in tokens[:3]:  # link renewed, re-verified, verification withdrawn
        with pytest.raises(OB3VerificationError, match="Credential status 'revocation' is set"):
            check(token)
    check(tokens[3])
    renewed, reverified, _withdrawn, _kept = four.verified
    for again in (renewed, reverified):
        check(download(client, again))

    erase(four.member)
    with pytest.raises(OB3VerificationError, match="Credential status 'revocation' is set"):
        check(tokens[3])
    capsys.readouterr()  # openbadgeslib warns on stdout that loopback is not TLS
