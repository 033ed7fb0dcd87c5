"""What anyone holding a contribution's public link may see: its verification page and QR
code. No login; only the fields the member chose to share; a revoked link says so."""

import segno
from flask import Blueprint, Response, render_template

from diaspora.contributions.models import CONTRIBUTION_STATES
from diaspora.core.access import loads, public
from diaspora.core.links import absolute

bp = Blueprint("public_proof", __name__)


def link_of(contribution) -> str:
    return absolute("public_proof.page", token=contribution.public_token)


@bp.get("/proof/<token>")
@public
@loads(contribution_link="view")
def page(contribution_link):
    contribution = contribution_link
    response = Response(render_template("contributions/verify.html", contribution=contribution,
                                        CONTRIBUTION_STATES=CONTRIBUTION_STATES, link=link_of(contribution)),
                        status=200 if contribution.is_public else 410)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/proof/<token>/qr.svg")
@public
@loads(contribution_link="view")
def qr_code(contribution_link):
    svg = segno.make(link_of(contribution_link), error="m").svg_inline(scale=4, title=None)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
