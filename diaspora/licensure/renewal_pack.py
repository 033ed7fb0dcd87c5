"""A licence's renewal pack: a PDF to attach to a renewal application. A cover with the member,
the licence and the regulator's requirement in its own unit; the CPD of the current cycle in one
table (hours, what each gave, what it counts for in the regulator's unit, who verified it, and
the link that proves it with its QR code); what is still missing; page numbers.

A bounded number of statements: the member's profile, then `licences.progress_of` (two
queries whatever the number of activities). Laid out by WeasyPrint through `core.pdf`: a tagged
PDF, titled, in the member's language."""

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from diaspora.contributions.proof.public_proof_views import link_of
from diaspora.core import pdf
from diaspora.core.countries import country_name
from diaspora.core.i18n import _
from diaspora.core.links import absolute
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences
from diaspora.licensure.licences import CpdRow, Progress
from diaspora.licensure.models import Licence
from diaspora.members.models import Profile


@dataclass
class PackRow:
    row: CpdRow
    link: str | None  # the public verification page, for a verified contribution still shared
    qr_code: Markup | None  # the same link, to scan from paper

    @property
    def item(self):
        return self.row.item

    @property
    def verified(self) -> bool:
        return self.item.contribution is not None


def _pack_row(row: CpdRow) -> PackRow:
    contribution = row.item.contribution
    link = link_of(contribution) if contribution is not None and contribution.is_public else None
    return PackRow(row, link, pdf.qr_code(link, _("QR code of the verification link")) if link else None)


def rows_of(progress: Progress) -> list[PackRow]:
    return [_pack_row(row) for row in progress.rows]


def filename_of(licence: Licence) -> str:
    short = "".join(ch for ch in licence.regulator.short_name if ch.isalnum()) or "licence"
    return f"renewal-pack-{short.lower()}-{today().isoformat()}.pdf"


def renewal_pack_html(user, licence: Licence) -> str:
    progress = licences.progress_of(user.id, [licence])[licence.id]
    profile = db.session.get(Profile, user.id)
    footer = pdf.page_footer(_("Renewal pack of %(name)s for %(regulator)s", name=user.name,
                                regulator=licence.regulator.short_name))
    return render_template(
        "licensure/renewal_pack.pdf.html", user=user, licence=licence, regulator=licence.regulator,
        country=country_name(licence.regulator.country), progress=progress, rows=rows_of(progress),
        prepared_on=today(), footer=footer,
        profession=" · ".join(part for part in (profile.cadre_label, profile.specialty) if part) if profile else "")


def renewal_pack_pdf(user, licence: Licence) -> bytes:
    """The licence's renewal pack as PDF bytes; `user` is its member."""
    return pdf.html_to_pdf(renewal_pack_html(user, licence), base_url=absolute("licences.index"))
