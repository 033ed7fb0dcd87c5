"""The planner's statistics, for the jobs that read whole tables (issue 17). Right after a bulk
load, PostgreSQL knows nothing of the new rows until ANALYZE runs (autovacuum does it, late or,
on some servers, never): it then guesses a few rows where there are millions and picks nested
loops over them, and an hourly job runs for minutes. `ensure_statistics` analyses, before a job
reads them, the tables that have never been analysed or that changed by more than a fifth since
(ANALYZE reads a fixed sample of each table: a second or so however large it is). Elsewhere than
on PostgreSQL it does nothing.

    ensure_statistics(["profiles", "memberships"], echo=click.echo)

`core` knows no domain: each job names its own tables."""

import time
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from diaspora.extensions import db

STALE_FRACTION = 0.2  # as autovacuum_analyze_scale_factor's default, plus ...
STALE_ROWS = 1000     # ... this many rows (a small table's every change is not worth an ANALYZE)


def missing_statistics(tables: Iterable[str]) -> list[str]:
    """The tables (among those named) whose statistics are missing or stale, in the order named."""
    names = list(dict.fromkeys(tables))
    if db.session.get_bind().dialect.name != "postgresql" or not names:
        return []
    db.session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))  # not what this transaction read before
    rows = db.session.execute(sa.text(
        "SELECT s.relname, last_analyze IS NULL AND last_autoanalyze IS NULL AS never, n_mod_since_analyze, "
        "greatest(c.reltuples, 0) AS reltuples FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
        "WHERE s.schemaname = current_schema() AND s.relname = ANY(:names)"), {"names": names}).all()
    stale = {name for name, never, changed, known in rows
             if never or changed > STALE_FRACTION * known + STALE_ROWS}
    return [name for name in names if name in stale]


def ensure_statistics(tables: Iterable[str], echo: Callable[[str], None] = lambda message: None) -> list[str]:
    """ANALYZE the named tables whose statistics are missing or stale; returns those analysed.
    Runs in the caller's transaction (ANALYZE may), which then commits as usual."""
    stale = missing_statistics(tables)
    if not stale:
        return []
    echo(f"Analysing {len(stale)} {'table' if len(stale) == 1 else 'tables'} without current statistics: "
         f"{', '.join(stale)} ...")
    started = time.monotonic()
    for name in stale:
        db.session.execute(sa.text(f'ANALYZE "{name}"'))
    echo(f"  analysed in {time.monotonic() - started:.1f} s")
    return stale
