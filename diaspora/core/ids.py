"""Ids that arrive from people: in a form field, a query string or a checkbox's value.

An id a database can hold is a whole number from 1 to 2^31 − 1 (PostgreSQL's integer). Anything
else (a larger number, a negative one, 0, letters, digits of another script) names no record:
`parse_id` answers None, so it is refused with a message or treated as "not found", and never
reaches the database, where an integer column refuses it with an error. URL paths go through
`core.web.IdConverter` with the same bound; forms through `core.forms.IdField` and its kin."""

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value) -> int | None:
    """The id `value` names, or None when it can name no record."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
