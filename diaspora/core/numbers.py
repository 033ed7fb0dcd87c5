"""Numbers as the reader writes them: 12,000 in English, 12 000 in French, 12.000 in Portuguese."""

from babel.numbers import format_decimal

from diaspora.core.time import DATE_LOCALES


def number(value: int | float | None) -> str:
    if value is None:
        return ""
    from diaspora.core.i18n import current_locale

    return format_decimal(value, locale=DATE_LOCALES.get(current_locale(), "en_GB"))
