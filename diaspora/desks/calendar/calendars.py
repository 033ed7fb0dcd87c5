"""A desk's working-day calendar as its officers (and platform admins) keep it: the year's
holidays, from the `holidays` package and from the desk (desks/calendar/workdays.py), and the desk's
corrections, each with its source (required): a day added (a holiday declared by executive
instrument), a listed holiday removed (not observed, or moved to another day), and the undoing
of either when it was a mistake. Every change is audited and replaces the desk's calendar
token, in the same transaction, so every process reads the new calendar at its next request.

Dates already given to submitters do not move: a change counts for the dates computed after
it (docs/architecture.md, "Desk calendars")."""

from datetime import date
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from diaspora.core import audit
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _
from diaspora.core.time import long_date, today
from diaspora.desks.calendar import workdays
from diaspora.desks.calendar.workdays import Holiday
from diaspora.desks.models import Desk, DeskCalendarDay
from diaspora.extensions import db

YEARS_BACK = 1
YEARS_AHEAD = 5
MAX_NAME = 120
MAX_NOTE = 500


def years_open() -> range:
    """The years a desk may see and correct: last year to five years ahead."""
    this = today().year
    return range(this - YEARS_BACK, this + YEARS_AHEAD + 1)


def year_asked(value) -> int | None:
    """The year a page asks for (`?year=`): this year when none; None when it cannot be shown."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        return today().year
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        return None
    return int(text) if int(text) in years_open() else None


# ---------------------------------------------------------------------------- reading


def corrections_of(desk: Desk, year: int) -> list[DeskCalendarDay]:
    return list(db.session.scalars(
        sa.select(DeskCalendarDay).where(DeskCalendarDay.desk_id == desk.id,
                                         DeskCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(DeskCalendarDay.day)))


def holidays_of(desk: Desk, year: int) -> list[Holiday]:
    """The year's holidays as the page lists them: each listed one (or, if the desk removed
    it, as removed, with the desk's note), and the days the desk added."""
    corrections = {row.day: row for row in corrections_of(desk, year)}
    entries = []
    for holiday in workdays.country_year(desk.country, year).holidays:
        row = corrections.pop(holiday.day, None)
        entries.append(Holiday(holiday.day, holiday.name, "removed", row.note) if row is not None else holiday)
    entries += [Holiday(row.day, row.name, row.change, row.note) for row in corrections.values()]
    return sorted(entries, key=lambda entry: entry.day)


def _correction_on(desk: Desk, day: date) -> DeskCalendarDay | None:
    return db.session.scalar(sa.select(DeskCalendarDay).where(DeskCalendarDay.desk_id == desk.id,
                                                              DeskCalendarDay.day == day))


# ---------------------------------------------------------------------------- changing


def _new_token(desk: Desk) -> None:
    """Replace the desk's calendar token (and take the desk's row lock: two changes to one
    calendar wait for each other). A plain UPDATE, so the desk's own version (its settings
    form's conflict check) does not change."""
    token = uuid4().hex
    table = Desk.__table__
    db.session.execute(sa.update(table).where(table.c.id == desk.id).values(calendar_token=token))
    set_committed_value(desk, "calendar_token", token)


def _checked_day(desk: Desk, day: date | None) -> date:
    if day is None:
        raise DomainError(_("Enter the date, like 2027-01-08."), field="day")
    years = years_open()
    if day.year not in years:
        raise DomainError(_("Choose a day from %(first)s to %(last)s.", first=long_date(date(years[0], 1, 1)),
                            last=long_date(date(years[-1], 12, 31))), field="day")
    if workdays.of_desk(desk, fresh=True).is_weekend(day):
        raise DomainError(_("That day is a weekend day: it is not a working day either way."), field="day")
    if _correction_on(desk, day) is not None:
        raise DomainError(_("This desk has already changed that day: undo that change in the list first."),
                          field="day")
    return day


def _text(value: str | None, field: str, limit: int, empty: str, too_long: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise DomainError(empty, field=field)
    if len(text) > limit:
        raise DomainError(too_long, field=field)
    return text


def _note(value: str | None) -> str:
    return _text(value, "note", MAX_NOTE, _("Say where this comes from: the instrument, the gazette notice or the "
                                            "announcement."), _("Keep the source to 500 characters."))


def add_day(actor, desk: Desk, day: date | None, name: str | None, note: str | None) -> DeskCalendarDay:
    """A day off that the list does not hold: a holiday declared by executive instrument."""
    _new_token(desk)
    day = _checked_day(desk, day)
    if not workdays.of_desk(desk, fresh=True).is_working_day(day):
        raise DomainError(_("That day is already a holiday in this calendar."), field="day")
    name = _text(name, "name", MAX_NAME, _("Enter the holiday's name."), _("Keep the name to 120 characters."))
    row = DeskCalendarDay(desk_id=desk.id, day=day, change="added", name=name, note=_note(note))
    db.session.add(row)
    db.session.flush()
    audit.record("desk.calendar_day_added", desk, actor=actor,
                 changes={"day": day.isoformat(), "name": name, "note": row.note})
    return row


def remove_day(actor, desk: Desk, day: date | None, note: str | None) -> DeskCalendarDay:
    """A listed holiday that is a working day at this desk: not observed, or moved."""
    _new_token(desk)
    day = _checked_day(desk, day)
    listed = {holiday.day: holiday for holiday in workdays.country_year(desk.country, day.year).holidays}
    if day not in listed:
        raise DomainError(_("That day is not a holiday in the list for %(country)s: there is nothing to take off.",
                            country=country_name(desk.country)), field="day")
    row = DeskCalendarDay(desk_id=desk.id, day=day, change="removed", name=listed[day].name[:MAX_NAME],
                          note=_note(note))
    db.session.add(row)
    db.session.flush()
    audit.record("desk.calendar_day_removed", desk, actor=actor,
                 changes={"day": day.isoformat(), "name": row.name, "note": row.note})
    return row


def undo(actor, desk: Desk, day: date | None) -> DeskCalendarDay:
    """Take back one of the desk's corrections: the day is as the list has it again."""
    _new_token(desk)
    row = _correction_on(desk, day) if day is not None else None
    if row is None:
        raise DomainError(_("This desk has not changed that day."))
    audit.record("desk.calendar_change_undone", desk, actor=actor,
                 changes={"day": row.day.isoformat(), "change": row.change, "name": row.name, "note": row.note})
    db.session.delete(row)
    db.session.flush()
    return row


def drop_all(desk: Desk) -> list[dict]:
    """When a desk moves to another country its corrections were the old country's: they go
    (the caller audits what they were)."""
    rows = list(db.session.scalars(sa.select(DeskCalendarDay).where(DeskCalendarDay.desk_id == desk.id)
                                   .order_by(DeskCalendarDay.day)))
    if not rows:
        return []
    _new_token(desk)
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return [{"day": row.day.isoformat(), "change": row.change, "name": row.name, "note": row.note} for row in rows]
