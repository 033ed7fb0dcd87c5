"""Charts drawn on the server as SVG: no JavaScript, no colour needed to read them (each bar
carries its label and its value as text), and each is followed on the page by the table it
draws. The markup is built here from escaped text, so a template includes it as it is."""

from markupsafe import Markup, escape

from diaspora.core.numbers import number

WIDTH = 480          # the drawing's own units; the page scales it to its box (.chart svg)
ROW = 42             # one bar: its label above, the bar and its value below
LABEL_SIZE = 13
BAR_HEIGHT = 14
VALUE_ROOM = 96      # room after the longest bar for its value
INK = "#1b2330"      # the design system's --ink and --primary (site.css): 7:1 on white
BAR = "#0b5d4b"
TRACK = "#d3d9d4"
MAX_LABEL = 60


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def bars(label: str, items: list[tuple[str, float]], chart_id: str) -> Markup:
    """A horizontal bar for each (label, value), in the order given, the largest value the
    longest bar; the values are written as the reader writes numbers, in a column at the right."""
    largest = max((value for _, value in items), default=0) or 1
    height = ROW * len(items) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
             f'height="{height}" role="img" aria-labelledby="{escape(chart_id)}-title" '
             f'font-family="system-ui, sans-serif">',
             f'<title id="{escape(chart_id)}-title">{escape(label)}</title>']
    room = WIDTH - VALUE_ROOM
    for index, (text, value) in enumerate(items):
        top = index * ROW + 4
        length = max(2.0, room * float(value) / largest) if value else 0
        shown = number(round(value, 1) if isinstance(value, float) else value)
        parts.append(f'<g><text x="0" y="{top + LABEL_SIZE}" font-size="{LABEL_SIZE}" fill="{INK}">'
                     f'{escape(_short(text))}</text>'
                     f'<rect x="0" y="{top + 18}" width="{room}" height="{BAR_HEIGHT}" fill="none" '
                     f'stroke="{TRACK}" stroke-width="1"/>'
                     f'<rect x="0" y="{top + 18}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{BAR}"/>'
                     f'<text x="{room + 6}" y="{top + 18 + BAR_HEIGHT - 2}" font-size="{LABEL_SIZE}" '
                     f'font-weight="700" fill="{INK}">{escape(shown)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def of_rows(label: str, rows, chart_id: str, measure: str = "contributions") -> Markup:
    """`bars` for the rows of a breakdown (impact.py: Row), one measure."""
    return bars(label, [(row.label, getattr(row.measures, measure)) for row in rows], chart_id)
