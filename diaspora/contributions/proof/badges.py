"""A verified contribution as an Open Badges 3.0 credential (an `OpenBadgeCredential`, a W3C
Verifiable Credential 2.0), signed as a VC-JWT with the platform's Ed25519 key.

* The issuer is the platform (its profile at /credentials/issuer, its public key at
  /credentials/issuer.json); the association that verified the contribution is the
  achievement's `creator`.
* The credential's `id` is the contribution's public verification page. Its `credentialStatus`
  is a `BitstringStatusListEntry` (W3C Bitstring Status List 1.0): one bit, at a random place
  (credentials.py), of a `BitstringStatusListCredential` served at
  /credentials/status/<list> and signed like the credentials. The bit is set when the link ends
  (revoked, renewed, the contribution reopened or its verification withdrawn, the member
  erased), and the list keeps answering for every credential ever issued.
* The subject is the member's random `urn:uuid:` (`credentialSubject.id`, and the JWT's `sub`,
  as Open Badges 3.0's VC-JWT rules ask), the same in all their credentials and revealing
  nothing about them; also a salted hash of their email address (as Open Badges 2 did), which
  whoever knows the address can check; their name only if they share it.
* Beyond what the verification page always shows (kind, title, dates, who verified it and when),
  only the fields the member chose to share (`contribution.shares`) go in.

The signing key comes from `CREDENTIAL_SIGNING_KEY` (config.py). Nothing here reads the request."""

import base64
import gzip
import hashlib
import hmac
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

from diaspora import config
from diaspora.contributions.models import Contribution, IssuedCredential
from diaspora.contributions.proof import credentials
from diaspora.contributions.proof.public_proof_views import link_of
from diaspora.core.countries import country_name
from diaspora.core.i18n import _, current_locale
from diaspora.core.links import absolute, site_url
from diaspora.core.time import long_date, utcnow

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CONTEXT = [VC_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_LIST_TYPE = ["VerifiableCredential", "BitstringStatusListCredential"]
STATUS_PURPOSE = "revocation"
# How long a verifier may keep a status list before fetching it again (its `ttl`, and the
# page's Cache-Control): short, so that a revocation is seen within minutes.
STATUS_LIST_TTL = timedelta(minutes=5)
# A copy of a status list is no longer valid after this: an old copy, replayed, is refused.
STATUS_LIST_VALIDITY = timedelta(days=1)
ISSUER_NAME = "Diaspora Health Network"
# "EdDSA" is what Open Badges verifiers know today; RFC 9864 prefers the fully specified
# "Ed25519", which joserfc warns about. Same key, same signature.
ALGORITHM = "EdDSA"
MEDIA_TYPE = "application/jwt"


class InvalidCredential(ValueError):
    """A token whose signature, algorithm or key does not check out."""


# ---------------------------------------------------------------------------- keys


_keys: dict[str, OKPKey] = {}


def signing_key() -> OKPKey:
    """The private key, parsed once per configured value."""
    value = current_app.config["CREDENTIAL_SIGNING_KEY"]
    if value not in _keys:
        _keys[value] = config.signing_key(value)
    return _keys[value]


def key_id() -> str:
    return f"{absolute('proof_files.issuer_keys')}#{signing_key().thumbprint()}"


def public_key_set() -> dict:
    """The JWK set verifiers fetch: the public half only."""
    public = signing_key().as_dict(private=False)
    return {"keys": [{**public, "kid": key_id(), "use": "sig", "alg": ALGORITHM}]}


def issuer_profile() -> dict:
    return {
        "@context": CONTEXT,
        "id": absolute("proof_files.issuer"),
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "url": site_url(),
        "description": _("The Diaspora Health Network signs the credentials of contributions its member "
                         "associations have verified."),
    }


# ---------------------------------------------------------------------------- the credential


def _timestamp(value: datetime | date) -> str:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.replace(microsecond=0).isoformat() + "Z"  # stored as naive UTC


def _salt(contribution: Contribution) -> str:
    """Stable for a contribution (the credential reads the same each time it is downloaded),
    unguessable without the secret key."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"credential-salt:{contribution.id}".encode(), hashlib.sha256).hexdigest()[:32]


def _identifiers(contribution: Contribution) -> list[dict]:
    user = contribution.user
    salt = _salt(contribution)
    digest = hashlib.sha256((user.email.strip().lower() + salt).encode()).hexdigest()
    identifiers = [{"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                    "identityHash": f"sha256${digest}", "salt": salt}]
    if contribution.shares("name") and user.name:
        identifiers.append({"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": user.name})
    return identifiers


def _period(contribution: Contribution) -> str:
    start = long_date(contribution.starts_on)
    if contribution.ends_on and contribution.ends_on != contribution.starts_on:
        return _("%(start)s to %(end)s", start=start, end=long_date(contribution.ends_on))
    return start


def _place(contribution: Contribution) -> str:
    from diaspora.contributions.proof.documents import region_name

    return ", ".join(part for part in (region_name(contribution.region), country_name(contribution.country)) if part)


def _summary(contribution: Contribution, association_name: str) -> str:
    """What a wallet shows under the title: whole sentences, only what is shared."""
    sentences = []
    if contribution.starts_on:
        sentences.append(_("%(kind)s, %(period)s.", kind=contribution.kind_label, period=_period(contribution)))
    else:
        sentences.append(_("%(kind)s.", kind=contribution.kind_label))
    if contribution.shares("country") and contribution.country:
        sentences.append(_("Where: %(place)s.", place=_place(contribution)))
    if contribution.shares("partner") and contribution.partner:
        sentences.append(_("With: %(partner)s.", partner=contribution.partner))
    sentences.append(_("Verified by %(association)s on %(date)s.", association=association_name,
                       date=long_date(contribution.verified_at)))
    return " ".join(sentences)


def _results(contribution: Contribution, achievement_id: str) -> tuple[list[dict], list[dict]]:
    """The shared numbers, as the achievement's result descriptions and the subject's results."""
    numbers = []
    if contribution.shares("hours") and contribution.hours is not None:
        numbers.append(("hours", _("Hours in all"), contribution.hours))
    if contribution.shares("reach"):
        if contribution.people_trained is not None:
            numbers.append(("people-trained", _("People trained"), contribution.people_trained))
        if contribution.patients_reached is not None:
            numbers.append(("patients-reached", _("Patients reached"), contribution.patients_reached))
    descriptions, results = [], []
    for key, name, value in numbers:
        description_id = f"{achievement_id}-{key}"
        descriptions.append({"id": description_id, "type": ["ResultDescription"], "name": str(name),
                             "resultType": "RawScore"})
        shown = int(value) if float(value).is_integer() else value
        results.append({"type": ["Result"], "resultDescription": description_id, "value": str(shown)})
    return descriptions, results


def credential_of(contribution: Contribution) -> dict:
    """The unsigned credential of a verified contribution with a live public link."""
    issued = credentials.live_credential(contribution) if contribution.is_public else None
    if issued is None:
        raise ValueError("only a verified contribution with a live public link has a credential")
    link = link_of(contribution)
    association = contribution.association
    association_name = association.name if association else _("An association")
    achievement_id = f"{link}#achievement"
    result_descriptions, results = _results(contribution, achievement_id)
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "CommunityService",
        "name": contribution.title,
        "description": (contribution.description if contribution.shares("description") and contribution.description
                        else _summary(contribution, association_name)),
        "criteria": {"narrative": _(
            "The contributor logged this contribution with its evidence, and %(association)s, an association "
            "of the Diaspora Health Network, verified that it took place as described.",
            association=association_name)},
        "inLanguage": current_locale(),
        "tag": [contribution.kind_label],
    }
    if association:
        achievement["creator"] = {"id": absolute("associations.show", slug=association.slug), "type": ["Profile"],
                                  "name": association.name}
    if result_descriptions:
        achievement["resultDescription"] = result_descriptions
    subject = {"id": credentials.subject_of(contribution.user).urn, "type": ["AchievementSubject"],
               "identifier": _identifiers(contribution), "achievement": achievement}
    if contribution.starts_on:
        subject["activityStartDate"] = _timestamp(contribution.starts_on)
        subject["activityEndDate"] = _timestamp(contribution.ends_on or contribution.starts_on)
    if results:
        subject["result"] = results
    profile = issuer_profile()
    return {
        "@context": CONTEXT,
        "id": link,
        "type": CREDENTIAL_TYPE,
        "name": contribution.title,
        "description": _summary(contribution, association_name),
        "issuer": {key: profile[key] for key in ("id", "type", "name", "url")},
        "validFrom": _timestamp(contribution.verified_at),
        "awardedDate": _timestamp(contribution.verified_at),
        "credentialSubject": subject,
        "credentialStatus": status_entry(issued),
        "evidence": [{"id": link, "type": ["Evidence"], "name": _("Verification page"),
                      "description": _("The page where anyone can check that this contribution is still "
                                       "verified.")}],
    }


# ---------------------------------------------------------------------------- status


def status_list_url(number: int) -> str:
    return absolute("proof_files.status_list", number=number)


def status_entry(issued: IssuedCredential) -> dict:
    """The credential's `credentialStatus`: its bit in a Bitstring Status List."""
    list_url = status_list_url(issued.status_list)
    return {"id": f"{list_url}#{issued.status_index}", "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE, "statusListIndex": str(issued.status_index),
            "statusListCredential": list_url}


def encoded_list(revoked: list[int], size: int = credentials.LIST_SIZE) -> str:
    """The bitstring (index 0 the left-most bit of the first byte), GZIP-compressed, then
    multibase base64url without padding ("u"), as Bitstring Status List 1.0 §2.1 says."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def status_list_credential(number: int) -> dict:
    """The unsigned `BitstringStatusListCredential` of list `number`, as of now."""
    url = status_list_url(number)
    now = utcnow()
    profile = issuer_profile()
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": STATUS_LIST_TYPE,
        "issuer": {key: profile[key] for key in ("id", "type", "name", "url")},
        "validFrom": _timestamp(now),
        "validUntil": _timestamp(now + STATUS_LIST_VALIDITY),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encoded_list(credentials.revoked_places(number)),
            "ttl": int(STATUS_LIST_TTL.total_seconds() * 1000),
        },
    }


def status_list_jwt(number: int) -> str:
    return sign(status_list_credential(number))


# ---------------------------------------------------------------------------- signing


def sign(credential: dict) -> str:
    """The credential as a compact JWS (VC-JWT): its JSON is the payload, with the registered
    claims Open Badges 3.0 (§8.2) asks for: `iss` the issuer's id, `jti` the credential's id,
    `sub` the subject's id, `nbf` its `validFrom` and `exp` its `validUntil`."""
    claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": _epoch(_instant(credential["validFrom"])), "iat": _epoch(utcnow())}
    if credential["credentialSubject"].get("id"):
        claims["sub"] = credential["credentialSubject"]["id"]
    if credential.get("validUntil"):
        claims["exp"] = _epoch(_instant(credential["validUntil"]))
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key_id()}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "EdDSA is deprecated")
        return jwt.encode(header, claims, signing_key(), algorithms=[ALGORITHM])


def _instant(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.removesuffix("Z"))


def _epoch(naive_utc: datetime) -> int:
    return int(naive_utc.replace(tzinfo=UTC).timestamp())


def credential_jwt(contribution: Contribution) -> str:
    return sign(credential_of(contribution))


def verify(token: str, key_set: dict) -> dict:
    """The claims of a token signed by one of the keys of `key_set` (a JWK set, as published);
    InvalidCredential otherwise."""
    try:
        keys = KeySet.import_key_set(key_set)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "EdDSA is deprecated")
            return jwt.decode(token, keys, algorithms=[ALGORITHM]).claims
    except (JoseError, ValueError) as error:
        raise InvalidCredential(str(error)) from None



# ---------------------------------------------------------------------------- checking one


@dataclass(frozen=True)
class Check:
    """What a verifier learns of a credential: signed by our key, within its dates, revoked or not."""

    signed: bool
    in_dates: bool = False
    revoked: bool | None = None  # None: its status entry names no list of ours
    claims: dict | None = None

    @property
    def valid(self) -> bool:
        return self.signed and self.in_dates and self.revoked is False


def check(token: str) -> Check:
    """Check a credential (a VC-JWT) as a verifier would: our signature, its dates (a minute's
    clock drift allowed) and its bit in our status list."""
    try:
        claims = verify(token.strip(), public_key_set())
    except InvalidCredential:
        return Check(signed=False)
    now = _epoch(utcnow())
    in_dates = _whole(claims.get("nbf"), 0) <= now + 60 and now < _whole(claims.get("exp"), now + 1)
    entry = claims.get("credentialStatus") if isinstance(claims.get("credentialStatus"), dict) else {}
    place = _status_place(entry)
    revoked = credentials.is_revoked(*place) if place else None
    return Check(signed=True, in_dates=in_dates, revoked=revoked, claims=claims)


def _whole(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _status_place(entry: dict) -> tuple[int, int] | None:
    """(list, index) from a status entry naming one of our lists, else None."""
    index = str(entry.get("statusListIndex", ""))
    url = str(entry.get("statusListCredential", ""))
    prefix = status_list_url(1)[:-1]
    number = url[len(prefix):] if url.startswith(prefix) else ""
    if not (index.isascii() and number.isascii() and index.isdigit() and number.isdigit()
            and len(index) < 10 and len(number) < 10):
        return None
    return int(number), int(index)
