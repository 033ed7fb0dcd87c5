"""The impact dashboard's tables (contributions/impact.html: breakdown), their rows written in
one pass: in the template each row cost about a hundred Python calls (a cell, a translation, a
filter at a time), and a dashboard over several years has hundreds of rows. The same HTML,
escaped the same way (issue 17)."""

from markupsafe import Markup, escape

from diaspora.core.i18n import _
from diaspora.core.numbers import number_format


def breakdown_rows(rows, first_column: str) -> Markup:
    """Each row's label, then its verified contributions, hours (to one decimal), people trained
    and patients reached, each cell labelled by its column for narrow screens."""
    first = escape(first_column)
    contributions, hours = escape(_("Verified contributions")), escape(_("Hours"))
    trained, patients = escape(_("People trained")), escape(_("Patients reached"))
    number = number_format()
    parts = []
    for row in rows:
        measures = row.measures
        parts.append(f'<tr><th scope="row" data-label="{first}">{escape(row.label)}</th>'
                     f'<td data-label="{contributions}">{escape(number(measures.contributions))}</td>'
                     f'<td data-label="{hours}">{escape(number(round(measures.hours, 1)))}</td>'
                     f'<td data-label="{trained}">{escape(number(measures.people_trained))}</td>'
                     f'<td data-label="{patients}">{escape(number(measures.patients_reached))}</td></tr>')
    return Markup("".join(parts))
