"""Submissions counted by country, desk, topic and status, and the time each took to be
acknowledged and answered in working days: changed in the same transaction as each
submission (`moved`, `timed`), so queues and dashboards read a few rows however many
submissions there are. `recount` gives the same from the submissions, for tests and repairs."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from diaspora.core.statements import bound, kept, one_of
from diaspora.desks.models import Submission, SubmissionCount, SubmissionTiming
from diaspora.extensions import db


def _upsert(model, key: dict, column: str, change: int) -> None:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(model).values(**key, **{column: change})
    table = model.__table__
    db.session.execute(insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key], set_={column: table.c[column] + insert.excluded[column]}))


def _key(submission: Submission, status: str) -> dict:
    return {"country": submission.country, "desk_id": submission.desk_id or 0, "topic": submission.topic,
            "status": status}


def added(submission: Submission) -> None:
    _upsert(SubmissionCount, _key(submission, submission.status), "count", 1)


def moved(submission: Submission, *, old_status: str, old_desk_id: int | None) -> None:
    """After a change of status or desk."""
    before = {**_key(submission, old_status), "desk_id": old_desk_id or 0}
    _upsert(SubmissionCount, before, "count", -1)
    _upsert(SubmissionCount, _key(submission, submission.status), "count", 1)


def removed(submission: Submission) -> None:
    _upsert(SubmissionCount, _key(submission, submission.status), "count", -1)


def timed(submission: Submission, measure: str, working_days: int) -> None:
    _upsert(SubmissionTiming, {"country": submission.country, "measure": measure, "working_days": working_days},
            "count", 1)


def stored() -> dict[tuple, int]:
    return {(r.country, r.desk_id, r.topic, r.status): r.count
            for r in db.session.scalars(sa.select(SubmissionCount).where(SubmissionCount.count != 0))}


def recount() -> dict[tuple, int]:
    rows = db.session.execute(sa.select(Submission.country, sa.func.coalesce(Submission.desk_id, 0), Submission.topic,
                                        Submission.status, sa.func.count())
                              .group_by(Submission.country, Submission.desk_id, Submission.topic, Submission.status))
    return {(country, desk, topic, status): number for country, desk, topic, status, number in rows}


def medians(country: str, measures: tuple[str, ...]) -> dict[str, float | None]:
    """The median of each measure, from their histograms in one query (a few dozen rows at most)."""
    statement = kept("submission_timings", lambda: sa.select(
        SubmissionTiming.measure, SubmissionTiming.working_days, SubmissionTiming.count)
        .where(SubmissionTiming.country == bound("country", sa.String),
               one_of(SubmissionTiming.measure, "measures"), SubmissionTiming.count > 0)
        .order_by(SubmissionTiming.measure, SubmissionTiming.working_days))
    rows = db.session.execute(statement, {"country": country, "measures": list(measures)}).all()
    return {measure: _median([(value, number) for of, value, number in rows if of == measure]) for measure in measures}


def _median(rows: list[tuple[int, int]]) -> float | None:
    total = sum(number for _, number in rows)
    if not total:
        return None
    return (_value_at(rows, (total - 1) // 2) + _value_at(rows, total // 2)) / 2


def _value_at(rows, index: int) -> int:
    """The index-th smallest value (from 0) of a histogram of (value, count) rows, in order."""
    seen = 0
    for value, number in rows:
        seen += number
        if index < seen:
            return value
    raise IndexError(index)
