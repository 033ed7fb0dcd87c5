"""Timestamps are stored as naive UTC on every database, so SQLite and PostgreSQL
compare them the same way. Dates that people enter are plain `date`s."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()


def long_date(value: date | datetime | None) -> str:
    """A date as people write it: 3 March 2027. Empty for None."""
    return f"{value.day} {value:%B %Y}" if value else ""
