"""Statements built once per process, their values bound parameters (issue 17).

SQLAlchemy caches a statement's compiled SQL, but finds it by the statement's cache key, which
it works out by walking the statement; building a statement and walking it cost a few hundred
Python calls, on every request that sends it. A statement that every page (or every API
request) sends is built once here, by name, with `sa.bindparam` where its values go, and
executed with them:

    statement = kept("membership_of", lambda: sa.select(Membership).where(
        Membership.user_id == sa.bindparam("user_id", type_=sa.Integer), ...))
    db.session.scalar(statement, {"user_id": user.id, ...})

Only for statements whose shape never changes: one that changes with its inputs (a list's
filters) is kept per shape by `pagination.paginate_kept` or its module."""

import json
from collections.abc import Callable, Hashable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.type_api import TypeDecorator
from sqlalchemy.sql.visitors import InternalTraversal

_kept: dict[Hashable, sa.Executable] = {}


def kept(name: Hashable, build: Callable[[], sa.Executable]) -> sa.Executable:
    statement = _kept.get(name)
    if statement is None:
        statement = _kept[name] = build()
    return statement


def bound(name: str, type_) -> sa.BindParameter:
    return sa.bindparam(name, type_=type_)


class one_of(ColumnElement[bool]):  # noqa: N801 (used like sa.and_)
    """`column IN (...)` with the list bound as one value, `name`: `column = ANY(:name)` on
    PostgreSQL (an array), `column IN (SELECT value FROM json_each(:name))` on SQLite. An
    expanding `IN` renders its SQL again on every execution, and the driver adapts each of its
    values: for a page's 50 ids, about a thousand calls a statement."""

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("values", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, name: str):
        self.column = column
        self.values = sa.bindparam(name, type_=_ListOf(column.type))


class _ListOf(TypeDecorator):
    """A list sent as one value: an array on PostgreSQL, JSON text elsewhere."""

    impl = sa.String
    cache_ok = True

    def __init__(self, item_type):
        super().__init__()
        self.item_type = item_type

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item_type))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value, dialect):
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value))


@compiles(one_of, "postgresql")
def _any_of_array(element: one_of, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY ({compiler.process(element.values, **kw)})"


@compiles(one_of)
def _in_json_each(element: one_of, compiler, **kw) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"
