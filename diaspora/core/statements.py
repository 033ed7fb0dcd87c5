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

from collections.abc import Callable, Hashable

import sqlalchemy as sa

_kept: dict[Hashable, sa.Executable] = {}


def kept(name: Hashable, build: Callable[[], sa.Executable]) -> sa.Executable:
    statement = _kept.get(name)
    if statement is None:
        statement = _kept[name] = build()
    return statement


def bound(name: str, type_) -> sa.BindParameter:
    return sa.bindparam(name, type_=type_)
