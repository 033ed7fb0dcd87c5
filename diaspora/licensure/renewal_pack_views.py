"""A member's renewal pack for one licence, as a PDF to hand to the regulator."""

from flask import Blueprint, Response
from flask_login import current_user

from diaspora.core.access import loads, login_required
from diaspora.licensure import renewal_pack

bp = Blueprint("renewal_pack", __name__)


@bp.get("/licences/<int:licence_id>/renewal-pack.pdf")
@login_required
@loads(licence="change")
def download(licence):
    pdf = renewal_pack.renewal_pack_pdf(current_user, licence)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{renewal_pack.filename_of(licence)}"'})
