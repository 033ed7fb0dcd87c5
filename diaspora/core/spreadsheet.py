"""CSV written a row at a time (for streamed downloads), safe to open in a spreadsheet."""

import io

import sqlalchemy as sa

# A cell starting with one of these is a formula to a spreadsheet: it gets a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so that Excel reads the file as UTF-8


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_text(column):
    """`safe_cell` in SQL, for a database that writes the CSV itself (COPY)."""
    return sa.case((sa.func.substr(column, 1, 1).in_(FORMULA_STARTS), sa.literal("'") + column), else_=column)


def iso(value) -> str:
    return value.isoformat() if value else ""


def take(buffer: io.StringIO) -> str:
    """What was written to `buffer` since the last call, and an empty buffer."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
