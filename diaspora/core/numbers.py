"""Numbers as the reader writes them: 12,000 in English, 12 000 in French, 12.000 in Portuguese."""

from functools import lru_cache

from babel.numbers import format_decimal, get_currency_name, list_currencies

from diaspora.core.time import DATE_LOCALES


def number(value: int | float | None) -> str:
    if value is None:
        return ""
    from diaspora.core.i18n import current_locale

    return _formatted(value, DATE_LOCALES.get(current_locale(), "en_GB"))


def number_format():
    """`number` for the many numbers of a table: the reader's language looked up once."""
    from diaspora.core.i18n import current_locale

    locale = DATE_LOCALES.get(current_locale(), "en_GB")
    return lambda value: "" if value is None else _formatted(value, locale)


@lru_cache(maxsize=16384)
def _formatted(value: int | float, locale: str) -> str:
    """Babel's formatting, once per number and language: a dashboard writes the same counts
    again and again, and Babel parses the locale's patterns on every call."""
    return format_decimal(value, locale=locale)


def money(value: int | float | None, currency: str | None) -> str:
    """An amount with its currency named in the reader's language and number: "1,200 Ghanaian
    cedis", "1 200 cédis ghanéens" (the code where Babel has no name for it)."""
    if value is None:
        return ""
    if not currency:
        return number(value)
    from diaspora.core.i18n import current_locale

    locale = DATE_LOCALES.get(current_locale(), "en_GB")
    return f"{_formatted(value, locale)} {currency_name(currency, locale, value)}"


@lru_cache(maxsize=4096)
def currency_name(code: str, locale: str, count: int | float | None = None) -> str:
    """A currency's name in a language (plural by `count`), or its code where Babel has none."""
    return get_currency_name(code, count=count, locale=locale) if code in _KNOWN else code


_KNOWN = frozenset(list_currencies())
