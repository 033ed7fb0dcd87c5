"""A cache that lives for one request (or one CLI command): policy answers and the lookups
behind them are computed once per request, however many times a page asks.

It is emptied whenever the session flushes, so a change made in the request (a membership
approved, an officer stepping down) is never answered from a stale entry."""

from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from flask.globals import _cv_app

_KEY = "_memo"
_MISSING = object()


def cached(key: Hashable, compute: Callable[[], Any]) -> Any:
    context = _cv_app.get(None)  # `g` itself, not through its proxy: pages ask hundreds of times
    if context is None:
        return compute()
    store = context.g.__dict__.setdefault(_KEY, {})
    value = store.get(key, _MISSING)
    if value is _MISSING:
        value = store[key] = compute()
    return value


def clear() -> None:
    if has_app_context():
        g.pop(_KEY, None)


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _clear_after_flush(session, flush_context) -> None:
    clear()


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _clear_after_rollback(session) -> None:
    clear()
