"""The licence overview's two tables written in one pass (licensure/overview.html): in the
template each row cost a few hundred Python calls (a cell, a translation, an escape, a filter at
a time). The same HTML, escaped the same way (issue 17)."""

from datetime import date

from flask import url_for
from markupsafe import Markup, escape

from diaspora.core.countries import country_name
from diaspora.core.i18n import _
from diaspora.core.numbers import number_format
from diaspora.core.time import long_date
from diaspora.licensure import overview, safeguards
from diaspora.licensure.models import LICENCE_STATUS_LABELS, LICENCE_STATUS_TONES, status_on


def _badges() -> dict:
    return {status: f'<span class="badge badge--{LICENCE_STATUS_TONES[status]}">'
                    f'{escape(LICENCE_STATUS_LABELS[status])}</span>' for status in LICENCE_STATUS_LABELS}


def lapsing_rows(licences, day: date) -> Markup:
    """The rows of the licences lapsing soon: member (to the licence), regulator, expiry, status."""
    member, regulator = escape(_("Member")), escape(_("Regulator"))
    expires, status = escape(_("Expires on")), escape(_("Status"))
    badges = _badges()
    licence_url = url_for("licences.show", licence_id=0)[:-1]  # the address without its id
    parts = []
    for licence in licences:
        parts.append(
            f'<tr><td data-label="{member}"><a href="{escape(licence_url)}{licence.licence_id}">'
            f'{escape(licence.member_name)}</a></td>'
            f'<td data-label="{regulator}">{escape(licence.regulator_name)} ({escape(licence.regulator_short_name)}), '
            f'{escape(country_name(licence.regulator_country))}</td>'
            f'<td data-label="{expires}">{escape(long_date(licence.expires_on))}</td>'
            f'<td data-label="{status}">{badges[status_on(licence.expires_on, day)]}</td></tr>')
    return Markup("".join(parts))


def country_rows(counts: overview.Counts) -> Markup:
    """A row per regulator country: its name (and the WHO safeguards marker), its count in each
    status, its total; the most licences first."""
    labels = [escape(LICENCE_STATUS_LABELS[status]) for status in overview.STATUSES]
    country, in_all = escape(_("Country")), escape(_("In all"))
    number = number_format()
    parts = []
    for code, by_status, total in counts.country_rows():
        cells = "".join(f'<td data-label="{label}">{escape(number(by_status[status.value]))}</td>'
                        for label, status in zip(labels, overview.STATUSES, strict=True))
        parts.append(f'<tr><th scope="row" data-label="{country}">{escape(country_name(code))}'
                     f'{safeguards.marker(code)}</th>{cells}'
                     f'<td data-label="{in_all}">{escape(number(total))}</td></tr>')
    return Markup("".join(parts))
