"""The daily reminder run (`flask licences remind`): an email 90, 30 and 7 days before a licence
expires, and one when it has lapsed.

Each reminder is sent at most once for a licence, a threshold and an expiry date, whatever
happens to the cron schedule: the row in `licence_reminders` (its primary key is those three)
is inserted in the same transaction as the mail, with `ON CONFLICT DO NOTHING`, so a second
run, or two runs at the same time, find the row taken and send nothing. Only the *nearest*
threshold is sent: a licence added 20 days before it expires gets the 30-day mail, not the
90-day one as well; a licence 5 days from expiry whose 30-day mail never went gets only the
7-day one. The lapse mail goes only within `LAPSE_WINDOW` days of lapsing, so a licence added
long after it lapsed gets no stale news. Only licences whose member wants reminders
(`Licence.reminders`) and whose account is active are reminded.

Set-based: one `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING` per threshold whatever
the number of licences, then, per chunk of `CHUNK` reminders, one query for the recipients, the
mail rendered in bulk in each member's language (`outbox.queue_emails`) and one INSERT of
the audit events.
Services only flush: the caller commits (the CLI command through `transaction.commit`)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager

from diaspora.auth.models import User
from diaspora.core.i18n import _, in_locale, ngettext
from diaspora.core.links import absolute
from diaspora.core.models import AuditEvent
from diaspora.core.outbox import queue_emails
from diaspora.core.time import long_date, today, utcnow
from diaspora.extensions import db
from diaspora.licensure.models import Licence, LicenceReminder, ReminderThreshold

TEMPLATE = "licensure_reminder"
CHUNK = 1000
# What a run reads in bulk: analysed first when their statistics are missing (core/planner.py).
TABLES = ("licences", "licence_reminders", "users", "regulators")
LAPSE_WINDOW = 30  # days after lapsing during which the lapse mail still goes

# Nearest first. Each threshold covers the days left until expiry (expires_on - today) from
# `nearest` to `farthest`, both included: the bands touch and never overlap, so on any day a
# licence is in at most one of them. A negative number of days left means it has lapsed
# (valid through expires_on, lapsed from the day after).
BANDS: list[tuple[ReminderThreshold, int, int]] = [
    (ReminderThreshold.LAPSED, -LAPSE_WINDOW, -1),
    (ReminderThreshold.DAYS_7, 0, 7),
    (ReminderThreshold.DAYS_30, 8, 30),
    (ReminderThreshold.DAYS_90, 31, 90),
]
ORDER = [band[0] for band in BANDS]  # nearest first

Progress = Callable[[int, int], None] | None
# Told of each chunk of reminders in its transaction, as (licences, {licence id: threshold}):
# a domain above licensure registers here (the webhooks tell the associations a member shares
# the licence with), so licensure knows none of them.
LISTENERS: list[Callable[[list[Licence], dict[int, ReminderThreshold]], None]] = []


def listen(listener: Callable[[list[Licence], dict[int, ReminderThreshold]], None]) -> None:
    """Once per listener, however many apps a process makes."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)


@dataclass
class RunReport:
    on: date
    sent: dict[ReminderThreshold, int] = field(default_factory=lambda: {t: 0 for t in ORDER})
    message_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.sent.values())


def _not_sent_nearer_or_same(threshold: ReminderThreshold):
    """No reminder of this threshold, or a nearer one, was sent for this licence and expiry
    date (a run with an earlier `--today` after a later one sends nothing farther back)."""
    nearer = ORDER[:ORDER.index(threshold) + 1]
    sent = LicenceReminder.__table__
    return ~sa.exists().where(sent.c.licence_id == Licence.id, sent.c.expires_on == Licence.expires_on,
                              sent.c.threshold.in_([str(t) for t in nearer]))


def _insert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(LicenceReminder.__table__)


def _claim(threshold: ReminderThreshold, nearest: int, farthest: int, on: date, now: datetime) -> list[int]:
    """Record this threshold's reminder for every licence due one; returns the licences whose
    row this run inserted (a row another run already holds is skipped, never sent twice).
    Rows go in licence order, so two runs at once wait on each other in the same order."""
    due = (
        sa.select(Licence.id, sa.literal(str(threshold), sa.String), Licence.expires_on,
                  sa.literal(now, sa.DateTime))
        .join(User, User.id == Licence.user_id)
        .where(Licence.reminders.is_(True),
               Licence.expires_on.between(on + timedelta(days=nearest), on + timedelta(days=farthest)),
               User.active.is_(True), User.deleted_at.is_(None),
               _not_sent_nearer_or_same(threshold))
        .order_by(Licence.id)
    )
    statement = (
        _insert(db.engine.dialect.name)
        .from_select(["licence_id", "threshold", "expires_on", "sent_at"], due)
        .on_conflict_do_nothing()
        .returning(LicenceReminder.__table__.c.licence_id)
    )
    return list(db.session.scalars(statement))


def _subject(threshold: ReminderThreshold, licence: Licence, days_left: int) -> str:
    """In the current language (called inside `in_locale`)."""
    regulator, day = licence.regulator.short_name, long_date(licence.expires_on)
    if threshold == ReminderThreshold.LAPSED:
        return _("Your %(regulator)s licence has lapsed: it was valid until %(date)s",
                 regulator=regulator, date=day)
    if days_left == 0:
        return _("Your %(regulator)s licence expires today, %(date)s", regulator=regulator, date=day)
    return ngettext("Your %(regulator)s licence expires in %(num)d day, on %(date)s",
                    "Your %(regulator)s licence expires in %(num)d days, on %(date)s",
                    days_left, regulator=regulator, date=day)


def _recipients(ids: list[int]) -> list[Licence]:
    """The licences of one chunk with their member and regulator, in one query, by language."""
    return list(db.session.scalars(
        sa.select(Licence).join(Licence.user).join(Licence.regulator)
        .options(contains_eager(Licence.user), contains_eager(Licence.regulator))
        .where(Licence.id.in_(ids))
        .order_by(User.locale, Licence.id)))


def _queue(chunk: list[tuple[int, ReminderThreshold]], on: date) -> list[int]:
    thresholds = dict(chunk)
    message_ids: list[int] = []
    held = _recipients([licence_id for licence_id, _threshold in chunk])
    for locale, group in groupby(held, key=lambda licence: licence.user.locale):
        with in_locale(locale):
            emails = []
            for licence in group:
                threshold, days_left = thresholds[licence.id], (licence.expires_on - on).days
                emails.append((licence.user.email, _subject(threshold, licence, days_left), TEMPLATE, {
                    "user": licence.user, "licence": licence, "regulator": licence.regulator,
                    "threshold": str(threshold), "days_left": days_left, "expires_on": licence.expires_on,
                    "lapsed_on": licence.expires_on + timedelta(days=1),
                    "licence_url": absolute("licences.show", licence_id=licence.id),
                    "settings_url": absolute("licences.edit", licence_id=licence.id)}))
            message_ids += queue_emails(emails, chunk=CHUNK)
    _audit(held, thresholds)
    for listener in LISTENERS:
        listener(held, thresholds)
    return message_ids


def _audit(held: list[Licence], thresholds: dict[int, ReminderThreshold]) -> None:
    """The events `audit.record("licence.reminder_sent", licence, actor=None, ...)` would add (by
    the system, about the member, on the licence), inserted in one statement for the chunk:
    one at a time, the ORM would insert them one by one on SQLite to read back their ids."""
    if held:
        db.session.execute(sa.insert(AuditEvent), [{
            "actor_id": None, "subject_id": licence.user_id, "action": "licence.reminder_sent",
            "object_type": Licence.__tablename__, "object_id": str(licence.id), "ip_address": None,
            "changes": {"threshold": str(thresholds[licence.id]), "expires_on": licence.expires_on.isoformat()},
        } for licence in held])


def remind(on: date | None = None, progress: Progress = None) -> RunReport:
    """Send today's reminders (`on`: the day to run as, the UTC date by default)."""
    on = on or today()
    now = utcnow()
    report = RunReport(on)
    claimed: list[tuple[int, ReminderThreshold]] = []
    for threshold, nearest, farthest in BANDS:
        ids = _claim(threshold, nearest, farthest, on, now)
        report.sent[threshold] = len(ids)
        claimed += [(licence_id, threshold) for licence_id in ids]
    for start in range(0, len(claimed), CHUNK):
        report.message_ids += _queue(claimed[start:start + CHUNK], on)
        if progress:
            progress(min(start + CHUNK, len(claimed)), len(claimed))
    return report
