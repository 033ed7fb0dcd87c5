"""audit_events: the association and the desk whose trail each event joins, filled for the
events already recorded from their objects

Revision ID: f3a4b5c6d7e8
Revises: e2f3a4b5c6d7
Create Date: 2026-12-06 22:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f3a4b5c6d7e8"
down_revision = "e2f3a4b5c6d7"
branch_labels = None
depends_on = None

# object_type -> how to read its association (or desk) id, as `audit.record` does now.
ASSOCIATION_OF = {
    "associations": "SELECT t.id FROM associations t WHERE {match}",
    "memberships": "SELECT t.association_id FROM memberships t WHERE {match}",
    "membership_types": "SELECT t.association_id FROM membership_types t WHERE {match}",
    "invitations": "SELECT t.association_id FROM invitations t WHERE {match}",
    "member_imports": "SELECT t.association_id FROM member_imports t WHERE {match}",
    "missions": "SELECT t.association_id FROM missions t WHERE {match}",
    "mission_members": "SELECT m.association_id FROM mission_members t JOIN missions m ON m.id = t.mission_id "
                       "WHERE {match}",
    "partnerships": "SELECT t.association_id FROM partnerships t WHERE {match}",
    "mous": "SELECT t.association_id FROM mous t WHERE {match}",
    "api_tokens": "SELECT t.association_id FROM api_tokens t WHERE {match}",
    # A contribution's events join its association's trail once sent: the decisions, not the drafts.
    "contributions": "SELECT t.association_id FROM contributions t WHERE {match} AND audit_events.action IN "
                     "('contribution.submit', 'contribution.verify', 'contribution.return', "
                     "'contribution.withdraw_verification', 'contribution.reopen')",
}
DESK_OF = {
    "desks": "SELECT t.id FROM desks t WHERE {match}",
    "submissions": "SELECT t.desk_id FROM submissions t WHERE {match}",
    "canned_replies": "SELECT t.desk_id FROM canned_replies t WHERE {match}",
    "mous": "SELECT t.desk_id FROM mous t WHERE {match}",
    "support_calls": "SELECT t.desk_id FROM support_calls t WHERE {match}",
    "api_tokens": "SELECT t.desk_id FROM api_tokens t WHERE {match}",
}
MATCH = "CAST(t.id AS VARCHAR(64)) = audit_events.object_id"


def upgrade():
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("association_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("desk_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_audit_events_association_id_associations"), "associations",
                                 ["association_id"], ["id"], ondelete="SET NULL")
        batch.create_foreign_key(op.f("fk_audit_events_desk_id_desks"), "desks", ["desk_id"], ["id"],
                                 ondelete="SET NULL")
    for column, sources in (("association_id", ASSOCIATION_OF), ("desk_id", DESK_OF)):
        for object_type, select in sources.items():
            op.execute(f"UPDATE audit_events SET {column} = ({select.format(match=MATCH)}) "
                       f"WHERE object_type = '{object_type}'")
    op.create_index("ix_audit_events_association", "audit_events", ["association_id", "created_at", "id"])
    op.create_index("ix_audit_events_desk", "audit_events", ["desk_id", "created_at", "id"])


def downgrade():
    op.drop_index("ix_audit_events_desk", table_name="audit_events")
    op.drop_index("ix_audit_events_association", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("fk_audit_events_desk_id_desks"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_audit_events_association_id_associations"), type_="foreignkey")
        batch.drop_column("desk_id")
        batch.drop_column("association_id")
