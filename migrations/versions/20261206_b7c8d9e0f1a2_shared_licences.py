"""shared licences: each licence a member shares with an association where they are active, and
its counts by association, regulator country and expiry day or month, kept by triggers

Revision ID: b7c8d9e0f1a2
Revises: a7b8c9d0e1f2
Create Date: 2026-12-06 09:00:00

The officers' licence overview read every licence of every member who shares with the
association, and grouped them by a status computed from today's date. Now:

* `shared_licences` holds one row per (licence, association) while the licence's member shares
  with the association and is an active member there: what the overview lists, in expiry order
  (association_id, expires_on, licence_id).
* `shared_licence_counts` counts those rows by (association, span, starts_on, country): each
  licence in the row of its expiry day and in the row of its expiry month, or in the one
  unknown-expiry row (key 0001-01-01, a key column cannot be NULL). The page sums the rows that
  today's date needs (diaspora/licensure/overview.py): a change of date is no write.

Triggers keep both in the same transaction as every change that decides them, on PostgreSQL
and SQLite: licences (added, deleted, expiry, regulator or member changed), licence_sharing
(shared or not), memberships (becoming active or not), regulators (country changed) and
shared_licences itself (the counts). On PostgreSQL a trigger first locks the member's
memberships (then the regulators of their licences), so two changes about one member wait for
each other and the second sees what the first did: a member who stops sharing while adding a
licence never leaves that licence shared.

SQLite: these triggers name tables other than their own (memberships, licences ...). SQLite
re-reads every trigger when a table is renamed, and a batch migration of one of those tables
(copy, drop, rename) would fail ("error in trigger ...: no such table"); migrations/env.py turns
on `legacy_alter_table` for the migrations, so the rename leaves triggers alone. A batch
migration of licences, licence_sharing, memberships, regulators or shared_licences still drops
that table's own triggers with it: it must create them again, with `recreate_sqlite_triggers`
below (tests/licensure/test_shared_counts.py shows a batch migration of regulators doing so).
"""
import sqlalchemy as sa
from alembic import op

revision = "b7c8d9e0f1a2"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None

UNKNOWN = {"postgresql": "DATE '0001-01-01'", "sqlite": "'0001-01-01'"}


def _month(dialect: str, day: str) -> str:
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {day}) AS date)"
    return f"date({day}, 'start of month')"


def share(dialect: str, user: str, association: str | None = None, licence: str | None = None) -> str:
    """The statements that make the member's shared licences again (those in one association,
    or of one licence, or all) from the licences, sharing choices and memberships as they are."""
    in_pair = f" AND association_id = {association}" if association else ""
    of_licence = f" AND licence_id = {licence}" if licence else ""
    statements = []
    if dialect == "postgresql":
        statements += [
            f"PERFORM 1 FROM memberships WHERE user_id = {user}{in_pair} ORDER BY id FOR NO KEY UPDATE;",
            f"PERFORM 1 FROM regulators WHERE id IN (SELECT regulator_id FROM licences WHERE user_id = {user}"
            f"{f' AND id = {licence}' if licence else ''}) ORDER BY id FOR SHARE;"]
    statements += [
        f"DELETE FROM shared_licences WHERE user_id = {user}{in_pair}{of_licence};",
        f"""INSERT INTO shared_licences (licence_id, association_id, user_id, regulator_id, country, expires_on)
            SELECT l.id, s.association_id, l.user_id, l.regulator_id, r.country, l.expires_on
              FROM licences l JOIN regulators r ON r.id = l.regulator_id
              JOIN licence_sharing s ON s.user_id = l.user_id AND s.shared
             WHERE l.user_id = {user}{f' AND l.id = {licence}' if licence else ''}
               {f'AND s.association_id = {association}' if association else ''}
               AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = l.user_id
                           AND m.association_id = s.association_id AND m.status = 'active');"""]
    return "\n".join(statements)


def counted(dialect: str, row: str, step: int) -> str:
    """Add `step` (1 or -1) to the counts of one shared licence (`row` is NEW or OLD): its day
    and month rows, or its unknown-expiry row, each by its key. SQLite runs all three statements
    (the others match nothing); PostgreSQL only those that apply."""
    keys = [("'day'", f"{row}.expires_on"), ("'month'", _month(dialect, f"{row}.expires_on")),
            ("'unknown'", UNKNOWN[dialect])]

    def change(span: str, starts_on: str, when: str) -> str:
        if step < 0:
            return (f"UPDATE shared_licence_counts SET count = count - 1 WHERE association_id = {row}.association_id "
                    f"AND span = {span} AND starts_on = {starts_on} AND country = {row}.country{when};")
        where = when.replace(" AND", " WHERE", 1)
        return (f"INSERT INTO shared_licence_counts (association_id, span, starts_on, country, count) "
                f"SELECT {row}.association_id, {span}, {starts_on}, {row}.country, 1{where} "
                f"ON CONFLICT (association_id, span, starts_on, country) "
                f"DO UPDATE SET count = shared_licence_counts.count + 1;")

    if dialect == "postgresql":
        known = "\n      ".join(change(span, starts_on, "") for span, starts_on in keys[:2])
        return (f"IF {row}.expires_on IS NULL THEN\n      {change(*keys[2], '')}\n"
                f"    ELSE\n      {known}\n    END IF;")
    known, unknown = f" AND {row}.expires_on IS NOT NULL", f" AND {row}.expires_on IS NULL"
    return "\n".join([change(*keys[0], known), change(*keys[1], known), change(*keys[2], unknown)])


# When each table's change matters (the same on both dialects).
LICENCE_MOVED = ("OLD.expires_on IS NOT NEW.expires_on OR OLD.regulator_id <> NEW.regulator_id "
                 "OR OLD.user_id <> NEW.user_id")
MEMBERSHIP_MOVED = ("(OLD.status = 'active' OR NEW.status = 'active') AND (OLD.status <> NEW.status "
                    "OR OLD.user_id <> NEW.user_id OR OLD.association_id <> NEW.association_id)")
SHARING_MOVED = ("(OLD.shared OR NEW.shared) AND (OLD.shared <> NEW.shared OR OLD.user_id <> NEW.user_id "
                 "OR OLD.association_id <> NEW.association_id)")
COUNTED_MOVED = ("OLD.expires_on IS NOT NEW.expires_on OR OLD.country <> NEW.country "
                 "OR OLD.association_id <> NEW.association_id")
REGULATOR_MOVED = "OLD.country <> NEW.country"
MOVE_COUNTRY = ("UPDATE shared_licences SET country = NEW.country "
                "WHERE licence_id IN (SELECT id FROM licences WHERE regulator_id = NEW.id);")


def postgres_functions() -> str:
    pg = "postgresql"
    pair_new = "NEW.user_id <> OLD.user_id OR NEW.association_id <> OLD.association_id"
    return f"""
CREATE OR REPLACE FUNCTION share_licences_licence_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {share(pg, "OLD.user_id", licence="OLD.id")}
  END IF;
  IF TG_OP = 'INSERT' OR NEW.user_id <> OLD.user_id THEN
    {share(pg, "NEW.user_id", licence="NEW.id")}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION share_licences_pair_changed() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {share(pg, "OLD.user_id", association="OLD.association_id")}
  END IF;
  IF TG_OP = 'INSERT' OR {pair_new} THEN
    {share(pg, "NEW.user_id", association="NEW.association_id")}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION share_licences_regulator_moved() RETURNS trigger AS $$
BEGIN
  {MOVE_COUNTRY}
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION count_shared_licences() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {counted(pg, "OLD", -1)}
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {counted(pg, "NEW", 1)}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER share_licences_licence_changed AFTER INSERT OR DELETE ON licences
  FOR EACH ROW EXECUTE FUNCTION share_licences_licence_changed();
CREATE TRIGGER share_licences_licence_moved AFTER UPDATE OF expires_on, regulator_id, user_id ON licences
  FOR EACH ROW WHEN ({LICENCE_MOVED.replace(" IS NOT ", " IS DISTINCT FROM ")})
  EXECUTE FUNCTION share_licences_licence_changed();
CREATE TRIGGER share_licences_membership_added AFTER INSERT ON memberships
  FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION share_licences_pair_changed();
CREATE TRIGGER share_licences_membership_removed AFTER DELETE ON memberships
  FOR EACH ROW WHEN (OLD.status = 'active') EXECUTE FUNCTION share_licences_pair_changed();
CREATE TRIGGER share_licences_membership_moved AFTER UPDATE OF status, user_id, association_id ON memberships
  FOR EACH ROW WHEN ({MEMBERSHIP_MOVED}) EXECUTE FUNCTION share_licences_pair_changed();
CREATE TRIGGER share_licences_sharing_added AFTER INSERT ON licence_sharing
  FOR EACH ROW WHEN (NEW.shared) EXECUTE FUNCTION share_licences_pair_changed();
CREATE TRIGGER share_licences_sharing_removed AFTER DELETE ON licence_sharing
  FOR EACH ROW WHEN (OLD.shared) EXECUTE FUNCTION share_licences_pair_changed();
CREATE TRIGGER share_licences_sharing_moved AFTER UPDATE OF shared, user_id, association_id ON licence_sharing
  FOR EACH ROW WHEN ({SHARING_MOVED}) EXECUTE FUNCTION share_licences_pair_changed();
CREATE TRIGGER share_licences_regulator_moved AFTER UPDATE OF country ON regulators
  FOR EACH ROW WHEN ({REGULATOR_MOVED}) EXECUTE FUNCTION share_licences_regulator_moved();
CREATE TRIGGER count_shared_licences_changed AFTER INSERT OR DELETE ON shared_licences
  FOR EACH ROW EXECUTE FUNCTION count_shared_licences();
CREATE TRIGGER count_shared_licences_moved AFTER UPDATE OF expires_on, country, association_id ON shared_licences
  FOR EACH ROW WHEN ({COUNTED_MOVED.replace(" IS NOT ", " IS DISTINCT FROM ")})
  EXECUTE FUNCTION count_shared_licences();
"""


POSTGRES_TRIGGERS = [("share_licences_licence_changed", "licences"), ("share_licences_licence_moved", "licences"),
                     ("share_licences_membership_added", "memberships"),
                     ("share_licences_membership_removed", "memberships"),
                     ("share_licences_membership_moved", "memberships"),
                     ("share_licences_sharing_added", "licence_sharing"),
                     ("share_licences_sharing_removed", "licence_sharing"),
                     ("share_licences_sharing_moved", "licence_sharing"),
                     ("share_licences_regulator_moved", "regulators"),
                     ("count_shared_licences_changed", "shared_licences"),
                     ("count_shared_licences_moved", "shared_licences")]
POSTGRES_FUNCTIONS = ["share_licences_licence_changed", "share_licences_pair_changed",
                      "share_licences_regulator_moved", "count_shared_licences"]


def sqlite_triggers() -> dict[str, tuple[str, str]]:
    """name: (its table, its CREATE TRIGGER statement), for SQLite (no functions: each body
    says it all)."""
    lite = "sqlite"

    def trigger(name: str, event: str, when: str | None, *bodies: str) -> tuple[str, tuple[str, str]]:
        condition = f" WHEN {when}" if when else ""
        table = event.split(" ON ")[1]
        return name, (table, f"CREATE TRIGGER {name} AFTER {event}{condition} BEGIN\n" + "\n".join(bodies)
                      + "\nEND")

    pair = {"OLD": share(lite, "OLD.user_id", association="OLD.association_id"),
            "NEW": share(lite, "NEW.user_id", association="NEW.association_id")}
    return dict([
        trigger("share_licences_licence_added", "INSERT ON licences", None,
                share(lite, "NEW.user_id", licence="NEW.id")),
        trigger("share_licences_licence_removed", "DELETE ON licences", None,
                share(lite, "OLD.user_id", licence="OLD.id")),
        trigger("share_licences_licence_moved", "UPDATE OF expires_on, regulator_id, user_id ON licences",
                LICENCE_MOVED, share(lite, "OLD.user_id", licence="OLD.id"),
                share(lite, "NEW.user_id", licence="NEW.id")),
        trigger("share_licences_membership_added", "INSERT ON memberships", "NEW.status = 'active'", pair["NEW"]),
        trigger("share_licences_membership_removed", "DELETE ON memberships", "OLD.status = 'active'",
                pair["OLD"]),
        trigger("share_licences_membership_moved", "UPDATE OF status, user_id, association_id ON memberships",
                MEMBERSHIP_MOVED, pair["OLD"], pair["NEW"]),
        trigger("share_licences_sharing_added", "INSERT ON licence_sharing", "NEW.shared", pair["NEW"]),
        trigger("share_licences_sharing_removed", "DELETE ON licence_sharing", "OLD.shared", pair["OLD"]),
        trigger("share_licences_sharing_moved", "UPDATE OF shared, user_id, association_id ON licence_sharing",
                SHARING_MOVED, pair["OLD"], pair["NEW"]),
        trigger("share_licences_regulator_moved", "UPDATE OF country ON regulators", REGULATOR_MOVED,
                MOVE_COUNTRY),
        trigger("count_shared_licences_added", "INSERT ON shared_licences", None, counted(lite, "NEW", 1)),
        trigger("count_shared_licences_removed", "DELETE ON shared_licences", None, counted(lite, "OLD", -1)),
        trigger("count_shared_licences_moved", "UPDATE OF expires_on, country, association_id ON shared_licences",
                COUNTED_MOVED, counted(lite, "OLD", -1), counted(lite, "NEW", 1)),
    ])


def recreate_sqlite_triggers(table: str) -> None:
    """For a later migration that alters `table` in batch mode on SQLite (which drops the
    table's triggers with the old table): make this migration's triggers on it again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, (on, statement) in sqlite_triggers().items():
        if on == table:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(statement)


BACKFILL = """
INSERT INTO shared_licences (licence_id, association_id, user_id, regulator_id, country, expires_on)
SELECT l.id, s.association_id, l.user_id, l.regulator_id, r.country, l.expires_on
  FROM licences l JOIN regulators r ON r.id = l.regulator_id
  JOIN licence_sharing s ON s.user_id = l.user_id AND s.shared
 WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = l.user_id AND m.association_id = s.association_id
               AND m.status = 'active')"""


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        "shared_licences",
        sa.Column("licence_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("association_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("regulator_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_shared_licences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("licence_id", "association_id", name=op.f("pk_shared_licences")),
    )
    op.create_index("ix_shared_licences_association_expires_on", "shared_licences",
                    ["association_id", "expires_on", "licence_id"])
    op.create_index("ix_shared_licences_user_association", "shared_licences", ["user_id", "association_id"])
    op.create_table(
        "shared_licence_counts",
        sa.Column("association_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("span", sa.String(length=7), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("span IN ('day', 'month', 'unknown')", name=op.f("ck_shared_licence_counts_span")),
        sa.PrimaryKeyConstraint("association_id", "span", "starts_on", "country",
                                name=op.f("pk_shared_licence_counts")),
    )
    # The triggers first: on PostgreSQL, creating them locks their tables against writes until
    # this migration commits, so the backfill misses no change. The backfill's rows are counted
    # by the count triggers as they go in.
    if dialect == "postgresql":
        op.execute(postgres_functions())
    else:
        for _table, statement in sqlite_triggers().values():
            op.execute(statement)
    op.execute(BACKFILL)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, table in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in POSTGRES_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("shared_licence_counts")
    op.drop_index("ix_shared_licences_user_association", table_name="shared_licences")
    op.drop_index("ix_shared_licences_association_expires_on", table_name="shared_licences")
    op.drop_table("shared_licences")
