"""`flask desks remind`: each desk's officers get one email listing the desk's open
submissions that went past their acknowledgement or answer date, once per submission,
measure and due date.

The `desk_reminders` primary key (submission, measure, due date) is the record of what was
sent: one INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING per measure takes the
overdue submissions not reminded yet and answers with exactly those, so a second run the same
day (or two runs at once) sends nothing again. The statements are a fixed number (two
inserts, the submissions, the officers), however many submissions are overdue; then one
email per officer."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from diaspora.auth.models import User
from diaspora.core.i18n import _l
from diaspora.core.links import absolute
from diaspora.core.outbox import queue_email
from diaspora.core.time import today, utcnow
from diaspora.desks.models import OPEN_STATUSES, Desk, DeskOfficer, DeskReminder, Submission
from diaspora.extensions import db

# What a run reads in bulk: analysed first when their statistics are missing (core/planner.py).
TABLES = ("submissions", "desk_reminders", "desk_officers")


@dataclass
class Sent:
    desk: Desk
    items: list = field(default_factory=list)  # (submission, measure, due_on)
    officers: list = field(default_factory=list)


def _claim(measure: str, on: date) -> list[tuple[int, str, date]]:
    """Record a reminder for every overdue submission of `measure` not reminded yet for its
    due date; returns the rows recorded now."""
    due = Submission.acknowledge_by if measure == "acknowledge" else Submission.answer_by
    statuses = ["submitted"] if measure == "acknowledge" else [str(s) for s in OPEN_STATUSES]
    overdue = (sa.select(Submission.id, sa.literal(measure), due, sa.literal(utcnow()))
               .where(Submission.desk_id.is_not(None), Submission.status.in_(statuses), due.is_not(None), due < on))
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = DeskReminder.__table__
    statement = (dialect.insert(table)
                 .from_select(["submission_id", "measure", "due_on", "sent_at"], overdue)
                 .on_conflict_do_nothing(index_elements=["submission_id", "measure", "due_on"])
                 .returning(table.c.submission_id, table.c.measure, table.c.due_on))
    return [tuple(row) for row in db.session.execute(statement)]


def remind(on: date | None = None) -> list[Sent]:
    """Send today's overdue reminders; returns what went to whom, by desk."""
    on = on or today()
    claimed = _claim("acknowledge", on) + _claim("answer", on)
    if not claimed:
        return []
    found = {s.id: s for s in db.session.scalars(
        sa.select(Submission).where(Submission.id.in_({row[0] for row in claimed}))
        .options(joinedload(Submission.desk), joinedload(Submission.assignee)))}
    by_desk: dict[int, Sent] = {}
    for submission_id, measure, due_on in sorted(claimed, key=lambda row: (row[2], row[0], row[1])):
        submission = found[submission_id]
        sent = by_desk.setdefault(submission.desk_id, Sent(desk=submission.desk))
        sent.items.append((submission, measure, due_on))
    officers: dict[int, list[User]] = defaultdict(list)
    for desk_id, user in db.session.execute(
            sa.select(DeskOfficer.desk_id, User).join(User, User.id == DeskOfficer.user_id)
            .where(DeskOfficer.desk_id.in_(list(by_desk)), User.active.is_(True))
            .order_by(DeskOfficer.desk_id, User.id)):
        officers[desk_id].append(user)
    for desk_id, sent in by_desk.items():
        queue_url = absolute("desk_work.queue", desk_id=desk_id, overdue="1", sort="due")
        for officer in officers[desk_id]:
            queue_email(officer.email, _l("Overdue submissions at %(desk)s", desk=sent.desk.name), "desks_overdue",
                        locale=officer.locale, user=officer, desk=sent.desk, items=sent.items, queue_url=queue_url,
                        links={s.id: absolute("desk_work.work_page", desk_id=desk_id, submission_id=s.id)
                               for s, _m, _d in sent.items})
            sent.officers.append(officer)
    return list(by_desk.values())
