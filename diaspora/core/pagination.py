"""The one way to page through a list: keyset ("seek") pagination.

A list is sorted on an `Ordering`: a few keys, the last of which is unique (an id), all
covered by an index. A page is the `per_page` rows after (or before) a cursor, the sort key of
the row where the previous page stopped, so page 2,000 costs what page 1 costs, and a row
inserted meanwhile never shifts the next page (no row is shown twice or skipped).

    page = paginate(query, DIRECTORY_BY_NAME, after=request.args.get("after"),
                    before=request.args.get("before"), per_page=25)
    page.items, page.next_cursor, page.prev_cursor

A cursor is opaque to people (URL-safe base64 of JSON). One that cannot be read is refused
(`BadCursor`; views answer 404), never a 500. No total is counted here: a list shows a total
only where one is cheap (a maintained counter, or the planner's estimate)."""

import base64
import binascii
import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from diaspora.extensions import db

MAX_CURSOR_LENGTH = 600


class BadCursor(ValueError):
    """The cursor in the URL was not made by us (or not for this list)."""


@dataclass(frozen=True)
class SortKey:
    column: Any  # the expression in ORDER BY (an indexed column or expression)
    value: Callable[[Any], Any]  # the same value, read from a result item
    descending: bool = False
    kind: type = str  # int, str, date or datetime: how the cursor reads it back


@dataclass(frozen=True)
class Ordering:
    keys: Sequence[SortKey]

    def order_by(self, reverse: bool = False) -> list:
        return [key.column.desc() if key.descending != reverse else key.column.asc() for key in self.keys]


@dataclass
class Page:
    items: list
    next_cursor: str | None = None
    prev_cursor: str | None = None
    per_page: int = 25
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def paginate(query: sa.Select, ordering: Ordering, *, after: str | None = None, before: str | None = None,
             per_page: int = 25, scalars: bool = True) -> Page:
    """One page of `query` sorted by `ordering`. `query` must not be ordered already."""
    backwards = bool(before) and not after
    cursor = decode(before if backwards else after, ordering)
    statement = query.order_by(*ordering.order_by(reverse=backwards)).limit(per_page + 1)
    if cursor is not None:
        statement = statement.where(beyond(ordering, cursor, backwards))
    result = db.session.execute(statement)
    rows = list(result.scalars().unique() if scalars else result.unique())
    return page_from_rows(rows, ordering, cursor=cursor, backwards=backwards, per_page=per_page)


KEPT_STATEMENTS = 256


def paginate_kept(kept: dict, shape: Hashable, build: Callable[[], sa.Select], parameters: dict,
                  ordering: Ordering, *, after: str | None = None, before: str | None = None, per_page: int = 25,
                  scalars: bool = True, unique: bool = True) -> Page:
    """As `paginate`, through a statement kept in `kept` per `shape` (what makes the statement
    differ: which filters are set, not their values) with the page's direction and size, its
    values bound parameters (`parameters`, and the cursor's). A list every page of which sends
    a statement built again, SQLAlchemy walks again for its cache key: several hundred calls.
    `unique=False` for rows that cannot repeat (joined to one row each) and hold a JSON column,
    which cannot be hashed."""
    backwards = bool(before) and not after
    cursor = decode(before if backwards else after, ordering)
    key = (shape, backwards, cursor is not None, per_page)
    statement = kept.get(key)
    if statement is None:
        statement = build().order_by(*ordering.order_by(reverse=backwards)).limit(per_page + 1)
        if cursor is not None:
            bounds = [sa.bindparam(f"page_from_{number}", type_=sort_key.column.type)
                      for number, sort_key in enumerate(ordering.keys)]
            statement = statement.where(beyond(ordering, bounds, backwards))
        if len(kept) >= KEPT_STATEMENTS:
            kept.clear()
        kept[key] = statement
    values = dict(parameters, **{f"page_from_{number}": value for number, value in enumerate(cursor or [])})
    result = db.session.execute(statement, values)
    rows = list(result.scalars().unique() if scalars else result.unique() if unique else result)
    return page_from_rows(rows, ordering, cursor=cursor, backwards=backwards, per_page=per_page)


def page_from_rows(rows: list, ordering: Ordering, *, cursor: list | None, backwards: bool, per_page: int) -> Page:
    """The page of `rows`: up to `per_page + 1` rows from the cursor in the list's order (in the
    reverse order when going back), as a query cut by `paginate` returns them."""
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    page = Page(items=rows, per_page=per_page)
    if rows:
        if (more if not backwards else cursor is not None):
            page.next_cursor = encode(ordering, rows[-1])
        if (cursor is not None if not backwards else more):
            page.prev_cursor = encode(ordering, rows[0])
    return page


def beyond(ordering: Ordering, values: list, backwards: bool = False):
    """Rows strictly after the cursor in the list's order (strictly before when going back)."""
    keys = ordering.keys
    if len({key.descending for key in keys}) == 1:  # one direction: a row-value comparison
        ascending = keys[0].descending == backwards
        left, right = sa.tuple_(*(k.column for k in keys)), sa.tuple_(*values)
        return left > right if ascending else left < right
    alternatives = []
    for position, key in enumerate(keys):
        equal = [k.column == v for k, v in zip(keys[:position], values[:position], strict=True)]
        ascending = key.descending == backwards
        step = key.column > values[position] if ascending else key.column < values[position]
        alternatives.append(sa.and_(*equal, step))
    return sa.or_(*alternatives)


def encode(ordering: Ordering, item: Any) -> str:
    values = [_plain(key.value(item)) for key in ordering.keys]
    text = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str | None, ordering: Ordering) -> list | None:
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor("too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise BadCursor(str(error)) from error
    if not isinstance(values, list) or len(values) != len(ordering.keys):
        raise BadCursor("wrong shape")
    return [_typed(value, key.kind) for value, key in zip(values, ordering.keys, strict=True)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _typed(value: Any, kind: type) -> Any:
    try:
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2 ** 63:
                raise BadCursor("not a whole number")
            return value
        if kind is datetime:
            return datetime.fromisoformat(value)
        if kind is date:
            return date.fromisoformat(value)
        if not isinstance(value, str) or "\x00" in value:
            raise BadCursor("not text")
        return value
    except (TypeError, ValueError) as error:
        raise BadCursor(str(error)) from error


def page_of(query: sa.Select, ordering: Ordering, per_page: int | None = None, **options) -> Page:
    """A view's page of `query`, from the `after` / `before` cursors in the request's URL.
    A cursor that cannot be read answers 404, like a page number that does not exist."""
    return _from_request(lambda **cursors: paginate(query, ordering, **cursors, **options), per_page)


def kept_page_of(kept: dict, shape: Hashable, build: Callable[[], sa.Select], parameters: dict, ordering: Ordering,
                 per_page: int | None = None, **options) -> Page:
    """`page_of` through a kept statement (`paginate_kept`)."""
    return _from_request(lambda **cursors: paginate_kept(kept, shape, build, parameters, ordering, **cursors,
                                                         **options), per_page)


def _from_request(cut: Callable[..., Page], per_page: int | None) -> Page:
    from flask import abort, current_app, request

    try:
        return cut(after=request.args.get("after"), before=request.args.get("before"),
                   per_page=per_page or current_app.config["PER_PAGE"])
    except BadCursor:
        abort(404)


@dataclass(frozen=True)
class Total:
    """How many rows a list has, said only as precisely as is cheap to know."""

    number: int
    exact: bool


def total_of(page: Page, query: sa.Select | None, *, exact: int | None = None) -> Total | None:
    """A list's total without counting it: `exact` when the caller has a maintained counter;
    the page itself when it is the whole list; else the planner's estimate on PostgreSQL
    ("about N"); else nothing."""
    if exact is not None:
        return Total(exact, True)
    if not page.has_next and not page.has_prev:
        return Total(len(page.items), True)
    if query is None:
        return None
    estimate = estimated_rows(query)
    return Total(_round(estimate), False) if estimate is not None else None


def _counted(query: sa.Select) -> sa.Select:
    """The query's rows without what it loads with them: planning it costs half as much."""
    entity = query.column_descriptions[0].get("entity") if query.column_descriptions else None
    key = sa.inspect(entity).primary_key[0] if entity is not None else None
    return query.with_only_columns(key) if key is not None else query


def estimated_rows(query: sa.Select) -> int | None:
    """What PostgreSQL's planner expects `query` to return (EXPLAIN, no execution)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return None
    compiled = _counted(query).order_by(None).compile(dialect=connection.dialect)
    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _round(number: int) -> int:
    """Two significant figures: 12,345 is "about 12,000"."""
    if number < 100:
        return number
    digits = len(str(number)) - 2
    return round(number, -digits)
