"""What a member hands on as proof of their contributions: the portfolio as a PDF and a verified
contribution as a signed Open Badges 3.0 credential; and the public pages a verifier of such a
credential fetches (the issuer's profile, its public key, the status lists that say which
credentials are revoked)."""

from flask import Blueprint, Response, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from diaspora.contributions.logbook import portfolio
from diaspora.contributions.proof import badges, documents
from diaspora.core.access import loads, login_required, public
from diaspora.core.i18n import _

bp = Blueprint("proof_files", __name__)


@bp.get("/contributions/portfolio.pdf")
@login_required
def portfolio_pdf():
    """At once for most portfolios; a large one (over PORTFOLIO_INLINE_LIMIT verified entries) is
    rendered by a job, and its link mailed: no request lays out hundreds of pages."""
    from flask import current_app

    from diaspora.core import jobs

    filters = portfolio.Filters.from_args(request.args)
    if documents.is_large(current_user.id, filters, current_app.config["PORTFOLIO_INLINE_LIMIT"]):
        jobs.enqueue("contributions.render_portfolio", current_user.id, request.args.to_dict(flat=False))
        flash(_("Your portfolio is long: we are preparing its PDF and will email you a link to it in a few "
                "minutes."), "success")
        return redirect(url_for("contributions.index", **request.args))
    pdf = documents.portfolio_pdf(current_user, filters)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="portfolio.pdf"'})


@bp.get("/contributions/portfolio/<int:file_id>.pdf")
@login_required
@loads(portfolio_file="view")
def portfolio_file(portfolio_file):
    """A large portfolio's PDF, rendered by the job: its owner's alone."""
    return Response(portfolio_file.data, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="portfolio.pdf"'})


@bp.get("/contributions/<int:contribution_id>/credential.jwt")
@login_required
@loads(contribution="change")
def credential(contribution):
    if not contribution.is_verified:
        flash(_("Only a verified contribution has a credential."), "error")
        return redirect(url_for("contributions.show", contribution_id=contribution.id))
    if not contribution.is_public:
        flash(_("Its public link is revoked, so a credential would not verify. Make a new link first."), "error")
        return redirect(url_for("contributions.show", contribution_id=contribution.id, _anchor="prove"))
    return Response(badges.credential_jwt(contribution), mimetype=badges.MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="contribution-{contribution.id}.jwt"'})


def _public_json(document: dict, mimetype: str = "application/json") -> Response:
    response = jsonify(document)
    response.mimetype = mimetype
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch these from anywhere
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/credentials/issuer")
@public
def issuer():
    return _public_json(badges.issuer_profile(), "application/ld+json")


@bp.get("/credentials/issuer.json")
@public
def issuer_keys():
    return _public_json(badges.public_key_set(), "application/jwk-set+json")


@bp.get("/credentials/status/<int:number>")
@public
@loads(status_list="view")
def status_list(status_list):
    """A signed BitstringStatusListCredential: the same for everyone, so it says nothing about
    which credential a verifier is checking; kept briefly, so a revocation shows within minutes."""
    response = Response(badges.status_list_jwt(status_list.id), mimetype=badges.MEDIA_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={int(badges.STATUS_LIST_TTL.total_seconds())}"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
