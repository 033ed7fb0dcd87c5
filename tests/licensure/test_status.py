"""A licence's status and cycle from its dates: valid through the expiry day, lapsed from the
day after; "expiring" within 90 days; leap days and month ends; and a date that the server's
time zone never shifts (the day is the UTC date)."""

import os
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest

from diaspora.core import time as core_time
from diaspora.licensure.models import Licence, LicenceStatus, Regulator, status_on

ACTIVE, EXPIRING, LAPSED, UNKNOWN = (LicenceStatus.ACTIVE, LicenceStatus.EXPIRING, LicenceStatus.LAPSED,
                                     LicenceStatus.UNKNOWN)
DAY = timedelta(days=1)


def licence(expires_on: date | None, *, months: int | None = 12, issued_on: date | None = None) -> Licence:
    """A licence in memory (no database): its status and cycle come from its dates alone."""
    return Licence(expires_on=expires_on, issued_on=issued_on,
                   regulator=Regulator(country="GH", name="Nursing and Midwifery Council of Ghana",
                                       short_name="NMC", renewal_cycle_months=months))


def test_the_expiry_day_itself_is_still_valid_and_the_day_after_is_lapsed():
    expires = date(2027, 6, 15)
    assert status_on(expires, expires) == EXPIRING  # valid through its expiry date
    assert status_on(expires, expires - DAY) == EXPIRING
    assert status_on(expires, expires + DAY) == LAPSED
    assert status_on(expires, expires + 400 * DAY) == LAPSED
    assert status_on(None, expires) == UNKNOWN


def test_expiring_starts_90_days_before():
    expires = date(2027, 6, 15)
    assert status_on(expires, expires - 90 * DAY) == EXPIRING
    assert status_on(expires, expires - 91 * DAY) == ACTIVE
    assert status_on(expires, date(2027, 3, 17)) == EXPIRING  # 90 days: 17 March to 15 June
    assert status_on(expires, date(2027, 3, 16)) == ACTIVE


def test_a_licence_expiring_on_a_leap_day():
    expires = date(2028, 2, 29)
    assert status_on(expires, date(2028, 2, 29)) == EXPIRING
    assert status_on(expires, date(2028, 3, 1)) == LAPSED
    assert status_on(expires, date(2027, 12, 1)) == EXPIRING  # 90 days before 29 February 2028
    assert status_on(expires, date(2027, 11, 30)) == ACTIVE


def test_month_ends():
    assert status_on(date(2027, 1, 31), date(2027, 1, 31)) == EXPIRING
    assert status_on(date(2027, 1, 31), date(2027, 2, 1)) == LAPSED
    assert status_on(date(2026, 12, 31), date(2027, 1, 1)) == LAPSED  # and a year's end
    assert status_on(date(2027, 4, 30), date(2027, 5, 1)) == LAPSED


def test_the_status_method_reads_the_day_it_is_given_or_today():
    held = licence(date(2027, 6, 15))
    assert held.status(date(2027, 6, 15)) == EXPIRING
    assert held.status(date(2027, 6, 16)) == LAPSED
    assert licence(core_time.today()).status() == EXPIRING
    assert licence(core_time.today() - DAY).status() == LAPSED


@pytest.mark.parametrize(("expires", "months", "starts"), [
    (date(2027, 12, 31), 12, date(2027, 1, 1)),    # a calendar year
    (date(2027, 3, 31), 12, date(2026, 4, 1)),     # 31 March: the year from 1 April
    (date(2027, 3, 31), 36, date(2024, 4, 1)),
    (date(2028, 2, 29), 12, date(2027, 3, 1)),     # a leap day: 2027 has no 29 February
    (date(2028, 2, 29), 36, date(2025, 3, 1)),
    (date(2027, 6, 15), 36, date(2024, 6, 16)),
])
def test_the_cycle_is_the_regulators_months_up_to_the_expiry_date(expires, months, starts):
    assert licence(expires, months=months).cycle() == (starts, expires)


def test_consecutive_yearly_cycles_through_a_leap_year_follow_on_without_a_gap():
    first, second = licence(date(2027, 2, 28)).cycle(), licence(date(2028, 2, 29)).cycle()
    assert second == (date(2027, 3, 1), date(2028, 2, 29))
    assert second[0] == first[1] + DAY


def test_the_cycle_after_a_leap_day_starts_the_day_after_it():
    before, after = licence(date(2028, 2, 29)).cycle(), licence(date(2029, 2, 28)).cycle()
    assert after[0] == before[1] + DAY == date(2028, 3, 1)


def test_without_the_regulators_cycle_the_cycle_runs_from_issue_to_expiry_or_is_unknown():
    assert licence(date(2027, 6, 15), months=None, issued_on=date(2025, 6, 16)).cycle() == \
        (date(2025, 6, 16), date(2027, 6, 15))
    assert licence(date(2027, 6, 15), months=None).cycle() is None
    assert licence(None).cycle() is None


@contextmanager
def time_zone(name: str):
    """The process's local time zone set to `name` (TZ and time.tzset), then restored."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def clock_at(instant: datetime):
    """`datetime` as core.time sees it, stopped at `instant` (aware, UTC): `now(tz)` in any zone,
    and `now()` in the process's local zone, as the real clock answers."""
    epoch = instant.timestamp()

    class Stopped(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(epoch, tz)

    return Stopped


@pytest.mark.parametrize(("zone", "instant", "local_day"), [
    # 12:00 UTC on 1 March is already 2 March in Kiritimati (UTC+14) ...
    ("Pacific/Kiritimati", datetime(2027, 3, 1, 12, 0, tzinfo=UTC), date(2027, 3, 2)),
    # ... and 05:00 UTC on 1 March is still 28 February on Adak (UTC-10).
    ("America/Adak", datetime(2027, 3, 1, 5, 0, tzinfo=UTC), date(2027, 2, 28)),
])
def test_the_servers_time_zone_does_not_shift_the_day(monkeypatch, zone, instant, local_day):
    monkeypatch.setattr(core_time, "datetime", clock_at(instant))
    with time_zone(zone):
        assert datetime.fromtimestamp(instant.timestamp()).date() == local_day  # the zone is in force
        assert core_time.today() == date(2027, 3, 1)  # the UTC date, not the server's
        assert core_time.utcnow() == datetime(2027, 3, 1, instant.hour, 0)
        expires_yesterday, expires_today = licence(date(2027, 2, 28)), licence(date(2027, 3, 1))
        assert expires_today.status() == EXPIRING  # still valid on its expiry day, in UTC
        assert expires_yesterday.status() == LAPSED
        assert licence(date(2027, 5, 30)).status() == EXPIRING  # 90 days after 1 March
        assert licence(date(2027, 5, 31)).status() == ACTIVE


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Adak", "UTC"])
def test_today_is_the_utc_date_on_the_real_clock_in_any_zone(zone):
    with time_zone(zone):
        before = datetime.now(UTC).date()
        day = core_time.today()
        after = datetime.now(UTC).date()
    assert day in (before, after)  # (the UTC date could turn over between the two reads)
