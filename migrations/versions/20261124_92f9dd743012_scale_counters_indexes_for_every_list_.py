"""scale: counters kept by triggers, an index for every list, trigram search, search text

Revision ID: 92f9dd743012
Revises: 164dc169e31e
Create Date: 2026-11-24 10:12:00

Counters: association_counts (memberships per association and status) and platform_counts
(accounts) are kept by triggers in the same transaction as every change to memberships and
users, however it is made. Trigram indexes (pg_trgm) serve substring search on PostgreSQL; on
SQLite the same indexes are plain ones.
"""
import sqlalchemy as sa
from alembic import op

revision = '92f9dd743012'
down_revision = '164dc169e31e'
branch_labels = None
depends_on = None

POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION count_memberships() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE association_counts SET count = count - 1
     WHERE association_id = OLD.association_id AND status = OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO association_counts (association_id, status, count) VALUES (NEW.association_id, NEW.status, 1)
    ON CONFLICT (association_id, status) DO UPDATE SET count = association_counts.count + 1;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION count_users() RETURNS trigger AS $$
BEGIN
  INSERT INTO platform_counts (name, count) VALUES ('users', CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END)
  ON CONFLICT (name) DO UPDATE SET count = platform_counts.count + EXCLUDED.count;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION count_associations() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE platform_counts SET count = count - 1 WHERE name = 'associations:' || OLD.status;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO platform_counts (name, count) VALUES ('associations:' || NEW.status, 1)
    ON CONFLICT (name) DO UPDATE SET count = platform_counts.count + 1;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER count_associations_changed AFTER INSERT OR DELETE ON associations
  FOR EACH ROW EXECUTE FUNCTION count_associations();
CREATE TRIGGER count_associations_moved AFTER UPDATE OF status ON associations
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION count_associations();
CREATE TRIGGER count_memberships_changed AFTER INSERT OR DELETE ON memberships
  FOR EACH ROW EXECUTE FUNCTION count_memberships();
CREATE TRIGGER count_memberships_moved AFTER UPDATE OF status, association_id ON memberships
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.association_id <> NEW.association_id)
  EXECUTE FUNCTION count_memberships();
CREATE TRIGGER count_users_changed AFTER INSERT OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION count_users();
"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER count_memberships_inserted AFTER INSERT ON memberships BEGIN
         INSERT INTO association_counts (association_id, status, count) VALUES (NEW.association_id, NEW.status, 1)
         ON CONFLICT (association_id, status) DO UPDATE SET count = count + 1;
       END""",
    """CREATE TRIGGER count_memberships_deleted AFTER DELETE ON memberships BEGIN
         UPDATE association_counts SET count = count - 1
          WHERE association_id = OLD.association_id AND status = OLD.status;
       END""",
    """CREATE TRIGGER count_memberships_moved AFTER UPDATE OF status, association_id ON memberships
       WHEN OLD.status IS NOT NEW.status OR OLD.association_id IS NOT NEW.association_id BEGIN
         UPDATE association_counts SET count = count - 1
          WHERE association_id = OLD.association_id AND status = OLD.status;
         INSERT INTO association_counts (association_id, status, count) VALUES (NEW.association_id, NEW.status, 1)
         ON CONFLICT (association_id, status) DO UPDATE SET count = count + 1;
       END""",
    """CREATE TRIGGER count_users_inserted AFTER INSERT ON users BEGIN
         INSERT INTO platform_counts (name, count) VALUES ('users', 1)
         ON CONFLICT (name) DO UPDATE SET count = count + 1;
       END""",
    """CREATE TRIGGER count_users_deleted AFTER DELETE ON users BEGIN
         UPDATE platform_counts SET count = count - 1 WHERE name = 'users';
       END""",
    """CREATE TRIGGER count_associations_inserted AFTER INSERT ON associations BEGIN
         INSERT INTO platform_counts (name, count) VALUES ('associations:' || NEW.status, 1)
         ON CONFLICT (name) DO UPDATE SET count = count + 1;
       END""",
    """CREATE TRIGGER count_associations_deleted AFTER DELETE ON associations BEGIN
         UPDATE platform_counts SET count = count - 1 WHERE name = 'associations:' || OLD.status;
       END""",
    """CREATE TRIGGER count_associations_moved AFTER UPDATE OF status ON associations
       WHEN OLD.status IS NOT NEW.status BEGIN
         UPDATE platform_counts SET count = count - 1 WHERE name = 'associations:' || OLD.status;
         INSERT INTO platform_counts (name, count) VALUES ('associations:' || NEW.status, 1)
         ON CONFLICT (name) DO UPDATE SET count = count + 1;
       END""",
]
TRIGGER_NAMES = {
    "postgresql": [("count_memberships_changed", "memberships"), ("count_memberships_moved", "memberships"),
                   ("count_users_changed", "users"), ("count_associations_changed", "associations"),
                   ("count_associations_moved", "associations")],
    "sqlite": [("count_memberships_inserted", None), ("count_memberships_deleted", None),
               ("count_memberships_moved", None), ("count_users_inserted", None), ("count_users_deleted", None),
               ("count_associations_inserted", None), ("count_associations_deleted", None),
               ("count_associations_moved", None)],
}
TRIGRAM = [("ix_users_name_trgm", "users", "name"), ("ix_profiles_specialty_trgm", "profiles", "specialty"),
           ("ix_skills_name_trgm", "skills", "name")]


def _fold(text):
    """As diaspora.core.text.fold, frozen here as this migration ran."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _fill_search_text():
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT users.id, users.name, profiles.specialty FROM users "
        "LEFT JOIN profiles ON profiles.user_id = users.id "
        "WHERE users.id IN (SELECT user_id FROM memberships)")).all()
    skills = {}
    for user_id, name in bind.execute(sa.text(
            "SELECT profile_skills.user_id, skills.name FROM profile_skills JOIN skills ON skills.id = skill_id")):
        skills.setdefault(user_id, []).append(name)
    updates = [{"user_id": user_id, "text": _fold(" ".join(p for p in (name, specialty, *skills.get(user_id, []))
                                                          if p))[:600]}
               for user_id, name, specialty in rows]
    if updates:
        bind.execute(sa.text("UPDATE memberships SET search_text = :text WHERE user_id = :user_id"), updates)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('platform_counts',
                    sa.Column('name', sa.String(length=40), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_platform_counts')))
    op.create_table('association_counts',
                    sa.Column('association_id', sa.Integer(), nullable=False),
                    sa.Column('status', sa.String(length=10), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['association_id'], ['associations.id'],
                                            name=op.f('fk_association_counts_association_id_associations'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('association_id', 'status', name=op.f('pk_association_counts')))
    op.execute("INSERT INTO association_counts (association_id, status, count) "
               "SELECT association_id, status, count(*) FROM memberships GROUP BY association_id, status")
    op.execute("INSERT INTO platform_counts (name, count) SELECT 'users', count(*) FROM users")
    op.execute("INSERT INTO platform_counts (name, count) "
               "SELECT 'associations:' || status, count(*) FROM associations GROUP BY status")
    if dialect == "postgresql":
        op.execute(POSTGRES_FUNCTIONS)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=600), server_default='', nullable=False))
        batch_op.drop_index('ix_memberships_association_status')
        batch_op.drop_index('ix_memberships_association_sort_name')
        batch_op.create_index('ix_memberships_association_sort_name', ['association_id', 'sort_name', 'id'],
                              unique=False, postgresql_include=['search_text'])
        batch_op.create_index('ix_memberships_association_status_sort_name',
                              ['association_id', 'status', 'sort_name', 'id'], unique=False,
                              postgresql_include=['search_text'])
        batch_op.create_index('ix_memberships_association_created_at', ['association_id', 'created_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_memberships_association_status_created_at',
                              ['association_id', 'status', 'created_at', 'id'], unique=False)
    op.create_index('ix_associations_status_name', 'associations', ['status', sa.text('lower(name)'), 'id'])
    _fill_search_text()
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # A finer sample of the searched text, so the planner's guess of how many rows a name
        # matches (and so its choice of the trigram index) does not swing from one ANALYZE to the next.
        op.execute("ALTER TABLE memberships ALTER COLUMN search_text SET STATISTICS 1000")
    op.create_index('ix_memberships_search_text', 'memberships', ['search_text'],
                    postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    for name, table, column in TRIGRAM:
        op.create_index(name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})
    if dialect == "sqlite":  # batch mode recreated memberships and dropped its triggers: make them again
        op.execute("DROP TRIGGER IF EXISTS count_memberships_inserted")
        op.execute("DROP TRIGGER IF EXISTS count_memberships_deleted")
        op.execute("DROP TRIGGER IF EXISTS count_memberships_moved")
        for statement in SQLITE_TRIGGERS[:3]:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index('ix_memberships_search_text', table_name='memberships')
    for name, table, _column in TRIGRAM:
        op.drop_index(name, table_name=table)
    op.drop_index('ix_associations_status_name', table_name='associations')
    for name, table in TRIGGER_NAMES.get(dialect, []):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if table else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS count_memberships()")
        op.execute("DROP FUNCTION IF EXISTS count_users()")
        op.execute("DROP FUNCTION IF EXISTS count_associations()")
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_memberships_association_status_created_at')
        batch_op.drop_index('ix_memberships_association_created_at')
        batch_op.drop_index('ix_memberships_association_status_sort_name')
        batch_op.drop_index('ix_memberships_association_sort_name')
        batch_op.create_index('ix_memberships_association_sort_name', ['association_id', 'sort_name', 'id'],
                              unique=False)
        batch_op.create_index('ix_memberships_association_status', ['association_id', 'status'], unique=False)
        batch_op.drop_column('search_text')
    op.drop_table('association_counts')
    op.drop_table('platform_counts')
