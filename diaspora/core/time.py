"""Timestamps are stored as naive UTC on every database, so SQLite and PostgreSQL
compare them the same way. Dates that people enter are plain `date`s, never shifted by a
time zone. `long_date` is the one way a date is shown."""

from datetime import UTC, date, datetime
from functools import lru_cache

from babel.dates import format_date, format_time

# The CLDR locale whose conventions each interface language writes dates with.
DATE_LOCALES = {"en": "en_GB", "fr": "fr", "pt": "pt"}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def utc_text(value: datetime, timespec: str = "seconds") -> str:
    """2026-05-04T09:30:00Z: ISO 8601 in UTC (a naive value is UTC, as the database keeps
    them). isoformat: a few times cheaper than strftime, for a list's hundreds of times."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec=timespec) + "Z"


def today() -> date:
    return utcnow().date()


def long_date(value: date | datetime | None) -> str:
    """A date as people write it, in the reader's language: 3 March 2027, 3 mars 2027.
    Empty for None."""
    if not value:
        return ""
    from diaspora.core.i18n import current_locale

    day = value.date() if isinstance(value, datetime) else value
    return _formatted(day, DATE_LOCALES.get(current_locale(), "en_GB"))


@lru_cache(maxsize=8192)
def _formatted(day: date, locale: str) -> str:
    """Babel's formatting, once per date and language (a list shows the same dates again)."""
    return format_date(day, "long", locale=locale)


def clock_time(value: datetime | None) -> str:
    """The time of day of a UTC timestamp, in the reader's language's way (14:05, 2:05 pm)."""
    if not value:
        return ""
    from diaspora.core.i18n import current_locale

    return format_time(value, "short", locale=DATE_LOCALES.get(current_locale(), "en_GB"))
