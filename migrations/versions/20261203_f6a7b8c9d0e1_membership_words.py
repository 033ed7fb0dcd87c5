"""the words of members' search text, each in its association's name order, and every word once
with a trigram index (the directory's search); filled from the search text

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f6a7b8c9d0e1"
down_revision = "e5f6a7b8c9d0"
branch_labels = None
depends_on = None

WORD_LENGTH = 60  # core.text.WORD_LENGTH on the day of this migration


def upgrade():
    op.create_table(
        "membership_words",
        sa.Column("word", sa.String(length=WORD_LENGTH), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("sort_name", sa.String(length=120), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["association_id"], ["associations.id"],
                                name=op.f("fk_membership_words_association_id_associations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"],
                                name=op.f("fk_membership_words_membership_id_memberships"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("word", "association_id", "sort_name", "membership_id",
                                name=op.f("pk_membership_words")),
    )
    op.create_index(op.f("ix_membership_words_membership_id"), "membership_words", ["membership_id"], unique=False)
    op.create_table(
        "search_words",
        sa.Column("word", sa.String(length=WORD_LENGTH), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    op.create_index("ix_search_words_word_trgm", "search_words", ["word"], unique=False,
                    postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"})
    _break_long_words()
    _fill()


def _pieces(text: str) -> str:
    return " ".join(word[start:start + WORD_LENGTH] for word in text.split(" ")
                    for start in range(0, len(word), WORD_LENGTH))


def _break_long_words():
    """Search text with a word longer than WORD_LENGTH, broken as core.text.searchable does."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        rows = bind.execute(sa.text("SELECT id, search_text FROM memberships WHERE search_text ~ :long"),
                            {"long": "[^ ]{%d,}" % (WORD_LENGTH + 1)})
    else:
        rows = bind.execute(sa.text("SELECT id, search_text FROM memberships"))
    changed = [{"id": row.id, "text": _pieces(row.search_text)} for row in rows
               if any(len(word) > WORD_LENGTH for word in (row.search_text or "").split(" "))]
    if changed:
        bind.execute(sa.text("UPDATE memberships SET search_text = :text WHERE id = :id"), changed)


def _fill():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "INSERT INTO membership_words (word, association_id, sort_name, membership_id) "
            "SELECT DISTINCT word, m.association_id, m.sort_name, m.id "
            "FROM memberships m, unnest(string_to_array(m.search_text, ' ')) AS word WHERE word <> ''")
    else:
        rows = [{"word": word, "association_id": row.association_id, "sort_name": row.sort_name,
                 "membership_id": row.id}
                for row in bind.execute(sa.text("SELECT id, association_id, sort_name, search_text FROM memberships"))
                for word in {word for word in (row.search_text or "").split(" ") if word}]
        if rows:
            bind.execute(sa.text("INSERT INTO membership_words (word, association_id, sort_name, membership_id) "
                                 "VALUES (:word, :association_id, :sort_name, :membership_id)"), rows)
    op.execute("INSERT INTO search_words (word) SELECT DISTINCT word FROM membership_words")


def downgrade():
    op.drop_index("ix_search_words_word_trgm", table_name="search_words")
    op.drop_table("search_words")
    op.drop_index(op.f("ix_membership_words_membership_id"), table_name="membership_words")
    op.drop_table("membership_words")
