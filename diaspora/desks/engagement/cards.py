"""The engagement dashboard's table cards (desks/dashboard.html), written in one pass in Python:
a card, its chart, its table, its total row and its CSV link. In the template each of the
page's ten cards cost about 700 Python calls (card and table macros, a cell, a translation, an
escape at a time); the HTML is the same (issue 17)."""

from flask import url_for
from markupsafe import Markup, escape

from diaspora.contributions.impact import charts
from diaspora.core.i18n import _
from diaspora.core.numbers import number_format
from diaspora.desks.engagement.engagement import Table, disclosed


def table_card(table: Table, desk_id: int, csv_args: dict | None = None) -> Markup:
    """A table as the page shows it (counts under disclosure control), its chart first when it
    has one, and its CSV."""
    title, slug = escape(table.title), escape(table.slug)
    parts = [f'<section class="card" aria-labelledby="{slug}"><h2 id="{slug}">{title}</h2>']
    if table.empty:
        parts.append(f"<p>{escape(_('There is nothing to count here yet.'))}</p></section>")
        return Markup("".join(parts))
    if table.withheld:
        parts.append(f"<p>{escape(table.withheld)}</p>")
    if table.chart and table.rows:
        caption = _("Each bar is a number of verified contributions, written at its end; a hatched bar is a count "
                    "not shown. The table below gives the same figures.")
        parts.append(f'<figure class="chart">{chart(table, table.slug + "-chart")}'
                     f'<figcaption class="hint">{escape(caption)}</figcaption></figure>')
    columns = "".join(f'<th scope="col">{escape(column)}</th>' for column in table.columns)
    parts.append(f'<div class="table-box" role="region" aria-label="{title}" tabindex="0"><table class="stack">'
                 f"<thead><tr>{columns}</tr></thead><tbody>{rows_html(table)}</tbody>")
    if table.total:
        labels = [escape(column) for column in table.columns]
        parts.append(f'<tfoot><tr><th scope="row" data-label="{labels[0] if labels else ""}">'
                     f"{escape(_('Total'))}</th>{_cells(labels, table.total, number_format())}</tr></tfoot>")
    csv_url = url_for("engagement.export", desk_id=desk_id, table=table.slug, **(csv_args or {}))
    link = escape(_("Download “%(table)s” as CSV", table=table.title))
    parts.append(f'</table></div><p><a href="{escape(csv_url)}">{link}</a></p></section>')
    return Markup("".join(parts))


def rows_html(table: Table) -> Markup:
    """The table's body rows as the dashboard writes them (each cell `disclosed`, labelled by its
    column for narrow screens), in one pass: in the template, a long table's cells cost a few
    calls each."""
    labels = [escape(column) for column in table.columns]
    number = number_format()
    parts = []
    for label, cells in table.rows:
        parts.append(f'<tr><th scope="row" data-label="{labels[0] if labels else ""}">{escape(label)}</th>'
                     f"{_cells(labels, cells, number)}</tr>")
    return Markup("".join(parts))


def _cells(labels: list, cells: list, number) -> str:
    """A row's cells after its heading, each `disclosed` and labelled by its column."""
    return "".join(f'<td data-label="{labels[index] if index < len(labels) else ""}">'
                   f"{escape(disclosed(cell, number))}</td>" for index, cell in enumerate(cells, 1))


HATCH = "#5c6670"  # the hatching of a count not shown: 5.7:1 on white


def chart(table: Table, chart_id: str) -> Markup:
    """The table's bars (contributions/impact/charts.py's drawing). A count not shown draws no bar of
    its size: its whole track is hatched, and <10, * or – is written where its number would be,
    so the chart says no more than the table, and a hidden count never looks like 0."""
    items = table.bars()
    largest = max((cell.value for _, cell in items if not cell.suppressed), default=0) or 1
    height = charts.ROW * len(items) + 8
    label = _("%(breakdown)s: verified contributions", breakdown=table.title)
    hatch = f"{escape(chart_id)}-hatch"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {charts.WIDTH} {height}" width="{charts.WIDTH}" '
             f'height="{height}" role="img" aria-labelledby="{escape(chart_id)}-title" '
             f'font-family="system-ui, sans-serif">', f'<title id="{escape(chart_id)}-title">{escape(label)}</title>',
             f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
             f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{HATCH}" '
             f'stroke-width="2"/></pattern></defs>']
    room = charts.WIDTH - charts.VALUE_ROOM
    for index, (text, cell) in enumerate(items):
        top = index * charts.ROW + 4
        if cell.suppressed:
            bar = (f'<rect x="0" y="{top + 18}" width="{room}" height="{charts.BAR_HEIGHT}" fill="url(#{hatch})" '
                   f'class="chart__suppressed"/>')
        else:
            length = max(2.0, room * cell.value / largest) if cell.value else 0
            bar = f'<rect x="0" y="{top + 18}" width="{length:.1f}" height="{charts.BAR_HEIGHT}" fill="{charts.BAR}"/>'
        parts.append(f'<g><text x="0" y="{top + charts.LABEL_SIZE}" font-size="{charts.LABEL_SIZE}" '
                     f'fill="{charts.INK}">{escape(charts._short(text))}</text>'
                     f'<rect x="0" y="{top + 18}" width="{room}" height="{charts.BAR_HEIGHT}" fill="none" '
                     f'stroke="{charts.TRACK}" stroke-width="1"/>{bar}'
                     f'<text x="{room + 6}" y="{top + 18 + charts.BAR_HEIGHT - 2}" font-size="{charts.LABEL_SIZE}" '
                     f'font-weight="700" fill="{charts.INK}">{escape(disclosed(cell))}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
