"""Heritage-country licences to practise: the regulators who issue them, the licences members
hold, the CPD they log, the reminders sent, the calendar feed, and whom they let see them; and
the WHO Health Workforce Support and Safeguards List."""

import calendar
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.i18n import _l
from diaspora.core.time import today, utcnow
from diaspora.extensions import db
from diaspora.licensure.units import ACTIVITY_UNITS, CpdUnit, check_constraint_sql, unit_of

CATEGORIES = {"full": _l("Full"), "provisional": _l("Provisional"), "temporary": _l("Temporary")}
EXPIRING_WITHIN = timedelta(days=90)


class LicenceStatus(StrEnum):
    """Derived from the dates, never stored: the same licence is "active" today and "expiring"
    next month without anyone changing it."""

    ACTIVE = "active"
    EXPIRING = "expiring"
    LAPSED = "lapsed"
    UNKNOWN = "unknown"


LICENCE_STATUS_LABELS = {LicenceStatus.ACTIVE: _l("Active"), LicenceStatus.EXPIRING: _l("Expiring"),
                         LicenceStatus.LAPSED: _l("Lapsed"), LicenceStatus.UNKNOWN: _l("Unknown")}
LICENCE_STATUS_TONES = {LicenceStatus.ACTIVE: "success", LicenceStatus.EXPIRING: "warning",
                        LicenceStatus.LAPSED: "danger", LicenceStatus.UNKNOWN: "neutral"}


def status_on(expires_on: date | None, day: date) -> LicenceStatus:
    """A licence is valid through its expiry date and lapses the day after."""
    if expires_on is None:
        return LicenceStatus.UNKNOWN
    if expires_on < day:
        return LicenceStatus.LAPSED
    if expires_on - day <= EXPIRING_WITHIN:
        return LicenceStatus.EXPIRING
    return LicenceStatus.ACTIVE


class Regulator(db.Model):
    """A body that registers health workers in a country. A blank rule is unknown, never guessed;
    each rule shows its source and the date it was checked.

    CPD is required in one unit (`cpd_unit`); what the source says around it ("nurse assistants
    10") is a note. `cpd_hours_per_unit` is the conversion the source gives (1 credit = 1 hour:
    1.0), else unknown: then only what is given in the regulator's own unit counts."""

    __tablename__ = "regulators"
    __table_args__ = (
        sa.UniqueConstraint("country", "short_name", name="uq_regulators_country_short_name"),
        sa.CheckConstraint(check_constraint_sql("cpd_unit"), name="cpd_unit"),
        sa.CheckConstraint("cpd_hours_per_unit IS NULL OR (cpd_hours_per_unit > 0 AND cpd_unit IS NOT NULL "
                           "AND cpd_unit <> 'hours')", name="cpd_hours_per_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(30))
    cadres: Mapped[str | None] = mapped_column(sa.String(300))
    renewal_cycle_months: Mapped[int | None]
    renewal_due: Mapped[str | None] = mapped_column(sa.String(300))
    cpd_required_per_cycle: Mapped[float | None]
    cpd_unit: Mapped[str | None] = mapped_column(sa.String(10))
    cpd_note: Mapped[str | None] = mapped_column(sa.String(300))
    cpd_hours_per_unit: Mapped[float | None]
    special_rules: Mapped[str | None] = mapped_column(sa.Text)
    lapse_consequence: Mapped[str | None] = mapped_column(sa.String(300))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    source: Mapped[str | None] = mapped_column(sa.String(300))
    checked_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short_name})"

    @property
    def unit(self) -> CpdUnit | None:
        return unit_of(self.cpd_unit)


class SafeguardCountry(db.Model):
    """A country on the WHO Health Workforce Support and Safeguards List (2023), as data with its
    source; admins correct it."""

    __tablename__ = "safeguard_countries"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    who_region: Mapped[str | None] = mapped_column(sa.String(10))
    list_year: Mapped[int] = mapped_column(default=2023)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Licence(db.Model):
    __tablename__ = "licences"
    __table_args__ = (
        sa.Index("ix_licences_user_expires_on", "user_id", "expires_on", "id"),
        sa.Index("ix_licences_reminders_expires_on", "reminders", "expires_on", "id"),
        sa.CheckConstraint("category IN ('full', 'provisional', 'temporary')", name="category"),
        sa.CheckConstraint("expires_on IS NULL OR issued_on IS NULL OR expires_on >= issued_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    regulator_id: Mapped[int] = mapped_column(sa.ForeignKey("regulators.id", ondelete="RESTRICT"), index=True)
    registration_number: Mapped[str] = mapped_column(sa.String(60))
    category: Mapped[str] = mapped_column(sa.String(12), default="full")
    issued_on: Mapped[date | None]
    expires_on: Mapped[date | None]
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    reminders: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    regulator: Mapped[Regulator] = relationship()
    certificate: Mapped["StoredFile | None"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship()  # noqa: F821

    def status(self, day: date | None = None) -> LicenceStatus:
        return status_on(self.expires_on, day or today())

    @property
    def status_label(self) -> str:
        return str(LICENCE_STATUS_LABELS[self.status()])

    @property
    def category_label(self) -> str:
        return str(CATEGORIES.get(self.category, self.category))

    def cycle(self) -> tuple[date, date] | None:
        """The current renewal cycle: the months of the regulator's cycle up to the expiry date
        (else issue to expiry); None when the dates to know it are missing."""
        if self.expires_on is None:
            return None
        months = self.regulator.renewal_cycle_months if self.regulator else None
        if months:
            return _months_before(self.expires_on, months) + timedelta(days=1), self.expires_on
        if self.issued_on:
            return self.issued_on, self.expires_on
        return None


def _months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day, or when
    `day` is its own month's last day: cycles then follow each other without overlapping)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:  # a month's end counts back to a month's end
        return date(year, month, last)
    return date(year, month, min(day.day, last))


class CpdActivity(db.Model):
    """CPD logged directly (a course, a conference), beside the verified contributions: the hours
    it took, and the CPD its certificate gives (`amount` in `unit`: points, credits or units)."""

    __tablename__ = "cpd_activities"
    __table_args__ = (
        sa.Index("ix_cpd_activities_user_completed_on", "user_id", "completed_on", "id"),
        sa.CheckConstraint("(amount IS NULL) = (unit IS NULL)", name="amount_unit"),
        sa.CheckConstraint(check_constraint_sql("unit", ACTIVITY_UNITS), name="unit"),
        sa.CheckConstraint("hours IS NOT NULL OR amount IS NOT NULL", name="something_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str | None] = mapped_column(sa.String(200))
    completed_on: Mapped[date]
    hours: Mapped[float | None]
    amount: Mapped[float | None]
    unit: Mapped[str | None] = mapped_column(sa.String(10))
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped["StoredFile | None"] = relationship()  # noqa: F821


class ReminderThreshold(StrEnum):
    DAYS_90 = "90"
    DAYS_30 = "30"
    DAYS_7 = "7"
    LAPSED = "lapsed"


class LicenceReminder(db.Model):
    """One reminder sent: the key makes a second send for the same licence, threshold and expiry
    date impossible, whichever run (or two overlapping runs) tries."""

    __tablename__ = "licence_reminders"

    licence_id: Mapped[int] = mapped_column(sa.ForeignKey("licences.id", ondelete="CASCADE"), primary_key=True)
    threshold: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    expires_on: Mapped[date] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenceFeed(db.Model):
    """A member's secret calendar address; revoking it makes a new one."""

    __tablename__ = "licence_feeds"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenceSharing(db.Model):
    """Whether an association's officers may see the member's licence status (off unless chosen)."""

    __tablename__ = "licence_sharing"
    __table_args__ = (sa.Index("ix_licence_sharing_association", "association_id", "shared", "user_id"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    association_id: Mapped[int] = mapped_column(sa.ForeignKey("associations.id", ondelete="CASCADE"),
                                                primary_key=True)
    shared: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

TRIGGER_KEPT = {"no_foreign_key": "kept by the triggers, which lock the member's rows first (see SharedLicence)"}


class SharedLicence(db.Model):
    """A licence its member lets an association's officers see, while they are an active member
    there: one row per licence and association, with what the officers' overview shows and sorts
    on. Kept by database triggers (migration "shared licences") in the same transaction as every
    change that decides it, however it is made: a licence added, changed or deleted, a sharing
    choice, a membership becoming active or not, a regulator's country, an erasure. Never written
    by the app.

    No foreign key but the member's: a key's check locks the row it names, and the triggers lock
    the member's memberships first (so that two changes about one member wait for each other);
    a licence deleted or an association's memberships ended take their rows with them through
    the triggers instead."""

    __tablename__ = "shared_licences"
    __table_args__ = (
        sa.Index("ix_shared_licences_association_expires_on", "association_id", "expires_on", "licence_id"),
        sa.Index("ix_shared_licences_user_association", "user_id", "association_id"),
    )

    licence_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, info=TRIGGER_KEPT)
    association_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, info=TRIGGER_KEPT)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    regulator_id: Mapped[int] = mapped_column(info=TRIGGER_KEPT)
    country: Mapped[str] = mapped_column(sa.String(2))
    expires_on: Mapped[date | None]


class ExpirySpan(StrEnum):
    """What a row of `shared_licence_counts` counts: the licences expiring on one day, in one
    month, or of unknown expiry."""

    DAY = "day"
    MONTH = "month"
    UNKNOWN = "unknown"


UNKNOWN_EXPIRY_KEY = date(1, 1, 1)  # the key of the unknown-expiry rows: a key column cannot be NULL


class SharedLicenceCount(db.Model):
    """How many shared licences (`shared_licences`) an association has, by regulator country
    and expiry: each licence counts once in the row of its expiry day and once in the row of its
    expiry month (or once in the unknown row). Kept by triggers on `shared_licences`. The
    overview sums the month rows before this month (lapsed) and after the month of the 90th
    day (active), the day rows in between (classified day by day), and the unknown rows: a few
    hundred rows whatever the number of members, and a licence turns "expiring" or "lapsed"
    with the date, without a write. Zero rows stay (a key seen once), like association_counts."""

    __tablename__ = "shared_licence_counts"
    __table_args__ = (
        sa.CheckConstraint("span IN ('day', 'month', 'unknown')", name="span"),
    )

    association_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, info=TRIGGER_KEPT)
    span: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    starts_on: Mapped[date] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
