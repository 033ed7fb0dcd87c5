"""Numbers as the reader writes them: 12,000 in English, 12 000 in French, 12.000 in Portuguese."""

from functools import lru_cache

from babel.numbers import format_decimal

from diaspora.core.time import DATE_LOCALES


def number(value: int | float | None) -> str:
    if value is None:
        return ""
    from diaspora.core.i18n import current_locale

    return _formatted(value, DATE_LOCALES.get(current_locale(), "en_GB"))


@lru_cache(maxsize=16384)
def _formatted(value: int | float, locale: str) -> str:
    """Babel's formatting, once per number and language: a dashboard writes the same counts
    again and again, and Babel parses the locale's patterns on every call."""
    return format_decimal(value, locale=locale)
