"""The jobs that read whole tables analyse first those the planner knows nothing about
(core/planner.py): right after a bulk load, a guess of a few rows where there are millions turns
their statements into nested loops."""

import sqlalchemy as sa

from diaspora.core.planner import ensure_statistics, missing_statistics


def test_a_table_never_analysed_is_analysed_once(app, db, is_postgres):
    said: list[str] = []
    if not is_postgres:  # nothing to do elsewhere
        assert ensure_statistics(["skills", "profiles"], echo=said.append) == [] and said == []
        return
    for table in ("skills", "profiles"):
        db.session.execute(sa.text("SELECT pg_stat_reset_single_table_counters(CAST(:t AS regclass))"),
                           {"t": table})
    assert missing_statistics(["skills", "profiles", "skills"]) == ["skills", "profiles"]
    assert ensure_statistics(["skills", "profiles"], echo=said.append) == ["skills", "profiles"]
    assert "skills, profiles" in said[0] and "analysed in" in said[1]
    assert missing_statistics(["skills", "profiles"]) == []
    said.clear()
    assert ensure_statistics(["skills", "profiles"], echo=said.append) == [] and said == []
