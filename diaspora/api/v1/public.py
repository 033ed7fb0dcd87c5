"""What anyone may ask without a token: the API's description and its reference page, and the
two public verifications (a proof link, a credential), which any site may call from a browser
(CORS), as anyone may open the proof page."""

from flask import current_app, redirect, render_template
from spectree import Response

from diaspora.api.v1 import models
from diaspora.api.v1.document import describe, document, reference_of, type_of
from diaspora.api.v1.support import api, body, new_blueprint, open_to_other_sites
from diaspora.contributions.proof import badges
from diaspora.contributions.proof.public_proof_views import link_of
from diaspora.core.access import loads, public
from diaspora.core.i18n import _
from diaspora.core.links import absolute
from diaspora.core.problems import BY_STATUS
from diaspora.extensions import limiter

bp = new_blueprint("api_v1")
home = new_blueprint("api_home")
home.url_prefix = None

PUBLIC_TAG = "Public verification"


def _public_limit() -> str:
    return current_app.config["API_PUBLIC_RATE_LIMIT"]


@home.get("/api")
@public
def api_root():
    return redirect(absolute("api_v1.index"), code=308)


@home.get("/openapi.json")
@public
def openapi_root():
    return redirect(absolute("api_v1.openapi"), code=308)


@bp.get("")
@public
def index():
    return models.Index(version="v1", openapi=absolute("api_v1.openapi"), reference=absolute("api_v1.reference"))\
        .model_dump(), 200


@bp.get("/openapi.json")
@public
def openapi():
    response = current_app.json.response(document(current_app))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/reference")
@public
def reference():
    """The reference, rendered on the server from the same document (no script, no CDN)."""
    spec = document(current_app)
    kinds = {kind: title for kind, title in BY_STATUS.values()}
    kinds["insufficient-scope"] = _("The token has too few scopes")
    return render_template("api/reference.html", spec=spec, sections=reference_of(spec), type_of=type_of,
                           problem_kinds=sorted(kinds.items()))


@bp.get("/proofs/<token>")
@public
@open_to_other_sites
@limiter.limit(_public_limit)
@loads(contribution_link="view")
@describe()
@api.validate(resp=Response(HTTP_200=models.Proof), tags=[PUBLIC_TAG])
def proof(contribution_link):
    """Read a proof link

    What the contribution's public verification page shows: `valid` is false once the member
    revoked the link, reopened the contribution, or its association withdrew the verification
    (the other fields are then null). The token is the last part of the proof page's address."""
    contribution = contribution_link
    valid = contribution.is_public
    shares = contribution.shares if valid else (lambda name: False)
    association = contribution.association
    return models.Proof(
        valid=valid, title=contribution.title if valid else None, kind=contribution.kind if valid else None,
        contributor=contribution.user.name if shares("name") and contribution.user else None,
        starts_on=contribution.starts_on if valid else None,
        ends_on=(contribution.ends_on or contribution.starts_on) if valid else None,
        country=contribution.country if shares("country") else None,
        region=contribution.region if shares("country") else None,
        partner=contribution.partner if shares("partner") else None,
        hours=contribution.hours if shares("hours") else None,
        people_trained=contribution.people_trained if shares("reach") else None,
        patients_reached=contribution.patients_reached if shares("reach") else None,
        description=contribution.description if shares("description") else None,
        verified_by=association.name if valid and association else None,
        verified_on=contribution.verified_at.date() if valid and contribution.verified_at else None,
        link=link_of(contribution))


@bp.post("/credentials/verify")
@public
@open_to_other_sites
@limiter.limit(_public_limit)
@describe()
@api.validate(json=models.CredentialIn, resp=Response(HTTP_200=models.CredentialCheck), tags=[PUBLIC_TAG])
def verify_credential():
    """Verify a credential

    Check an Open Badges 3.0 credential (a VC-JWT) the platform issued: its signature (the
    platform's Ed25519 key), its dates, and its bit in the platform's status list. A credential
    that is not ours, or altered, is answered `valid: false, signed: false`."""
    found = badges.check(body().credential)
    claims = found.claims or {}
    issuer = claims.get("issuer") if isinstance(claims.get("issuer"), dict) else {}
    reason = None
    if not found.signed:
        reason = "not signed by this platform's key"
    elif not found.in_dates:
        reason = "outside its dates"
    elif found.revoked:
        reason = "revoked"
    elif found.revoked is None:
        reason = "its status is not in this platform's lists"
    return models.CredentialCheck(
        valid=found.valid, signed=found.signed, revoked=found.revoked, reason=reason,
        id=_text(claims.get("jti")), name=_text(claims.get("name")), issuer=_text(issuer.get("id")),
        valid_from=_text(claims.get("validFrom")), subject=_text(claims.get("sub")))


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
