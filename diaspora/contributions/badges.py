"""A verified contribution as an Open Badges 3.0 credential (an `OpenBadgeCredential`, a W3C
Verifiable Credential 2.0), signed as a VC-JWT with the platform's Ed25519 key.

* The issuer is the platform (its profile at /credentials/issuer, its public key at
  /credentials/issuer.json); the association that verified the contribution is the
  achievement's `creator`.
* The credential's `id` is the contribution's public verification page, and its
  `credentialStatus` a 1EdTech revocation list for that credential: when the member revokes the
  link or reopens the contribution, both say so (and a renewed link leaves the old one unknown).
* Beyond what the verification page always shows (kind, title, dates, who verified it and when),
  only the fields the member chose to share (`contribution.shares`) go in. The subject is bound
  to the member by a salted hash of their email address (as Open Badges 2 did), which reveals it
  to nobody who does not already know it; their name only if they share it.

The signing key comes from `CREDENTIAL_SIGNING_KEY` (config.py). Nothing here reads the request."""

import hashlib
import hmac
import warnings
from datetime import UTC, date, datetime, time

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

from diaspora import config
from diaspora.contributions.models import Contribution
from diaspora.contributions.public_views import link_of
from diaspora.core.countries import country_name
from diaspora.core.i18n import _, current_locale
from diaspora.core.links import absolute, site_url
from diaspora.core.time import long_date, utcnow

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
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
    return f"{absolute('proof.issuer_keys')}#{signing_key().thumbprint()}"


def public_key_set() -> dict:
    """The JWK set verifiers fetch: the public half only."""
    public = signing_key().as_dict(private=False)
    return {"keys": [{**public, "kid": key_id(), "use": "sig", "alg": ALGORITHM}]}


def issuer_profile() -> dict:
    return {
        "@context": CONTEXT,
        "id": absolute("proof.issuer"),
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
    from diaspora.contributions.documents import region_name

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
    if not contribution.is_public:
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
    subject = {"type": ["AchievementSubject"], "identifier": _identifiers(contribution), "achievement": achievement}
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
        "credentialStatus": {"id": absolute("proof.status", token=contribution.public_token),
                             "type": "1EdTechRevocationList"},
        "evidence": [{"id": link, "type": ["Evidence"], "name": _("Verification page"),
                      "description": _("The page where anyone can check that this contribution is still "
                                       "verified.")}],
    }


def status_of(contribution: Contribution) -> dict:
    """The 1EdTech revocation list for one credential: empty while its link is live."""
    link = link_of(contribution)
    revoked = []
    if not contribution.is_public:
        reason = (_("The contribution was reopened to be changed.") if not contribution.is_verified
                  else _("The contributor revoked its public link."))
        revoked.append({"id": link, "revocationReason": reason})
    return {"id": absolute("proof.status", token=contribution.public_token), "issuer": absolute("proof.issuer"),
            "revokedCredentials": revoked}


# ---------------------------------------------------------------------------- signing


def sign(credential: dict) -> str:
    """The credential as a compact JWS (VC-JWT): its JSON is the payload, with the registered
    claims verifiers read."""
    valid_from = datetime.fromisoformat(credential["validFrom"].removesuffix("Z"))
    claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": _epoch(valid_from), "iat": _epoch(utcnow())}
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": key_id()}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "EdDSA is deprecated")
        return jwt.encode(header, claims, signing_key(), algorithms=[ALGORITHM])


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

