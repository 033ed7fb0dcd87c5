"""CPD in the regulator's own unit: a regulator's unit becomes one of points, hours, units or
credits, with the source's words beside it as a note and the conversion from hours the source
gives; a CPD activity gives an amount in a unit (points, credits or units), its hours, or both

Revision ID: 0243d1c091c0
Revises: f6a7b8c9d0e1
Create Date: 2026-12-04 09:00:00

Filling the regulators already loaded: each one's unit is read from what its `cpd_unit` text
holds *now*, whether it came from the reference data or an admin corrected it, so a correction
is never replaced by the reference data. The text must begin with the unit word (optionally
after "CPD" or "CME": "points (nurse assistants 10; ...)", "CPD credits", "CEUs per year"); the
rest becomes the note, nothing is dropped. Text that begins otherwise ("15 per year", "see the
CPD rules") or names two units ("points or hours") leaves the unit unknown and keeps the whole
text as the note, for an admin to decide: an unknown unit counts nothing and says so, rather
than counting in a guessed unit. A conversion is filled only when the text says it outright in
the same unit ("1 credit = 1 hour"). Existing CPD activities gave points (the form asked for
"CPD points"): their amount stays, in points.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0243d1c091c0"
down_revision = "f6a7b8c9d0e1"
branch_labels = None
depends_on = None

UNITS = ("points", "hours", "units", "credits")
ACTIVITY_UNITS = ("points", "credits", "units")
UNIT_WORDS = {"point": "points", "points": "points", "hour": "hours", "hours": "hours", "unit": "units",
              "units": "units", "credit": "credits", "credits": "credits", "ceu": "units", "ceus": "units"}
SINGULAR = {"points": "point", "units": "unit", "credits": "credit"}
LEADING_UNIT = re.compile(r"^(?:(?:cpd|cme)\s+)?([a-z]+)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
ANOTHER_UNIT = re.compile(r"^(?:or|and|/)\s*(?:cpd\s+)?([a-z]+)\b", re.IGNORECASE)
CONVERSION = re.compile(r"\b1\s+(point|unit|credit|ceu)s?\s*=\s*(\d+(?:\.\d+)?)\s*hours?\b", re.IGNORECASE)
NOTE_LENGTH = 300


def _in(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _without_outer_parentheses(rest: str) -> str:
    """'(nurse assistants 10; senior staff 20)' -> 'nurse assistants 10; senior staff 20';
    '(physician assistants 10); from 3 events' -> 'physician assistants 10; from 3 events'."""
    if not rest.startswith("("):
        return rest
    depth = 0
    for position, character in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            inner, after = rest[1:position].strip(), rest[position + 1:].strip()
            if not after:
                return inner
            return f"{inner}{after}" if after[0] in ";,." else f"{inner} {after}"
    return rest  # unbalanced: kept as written


def split_unit(text: str | None) -> tuple[str | None, str | None, float | None]:
    """(unit, note, hours per unit) from a regulator's free-text unit, as described above."""
    text = " ".join((text or "").split())
    if not text:
        return None, None, None
    match = LEADING_UNIT.match(text)
    unit = UNIT_WORDS.get(match.group(1).lower()) if match else None
    if unit is None:
        return None, text[:NOTE_LENGTH], None
    rest = match.group(2).strip()
    other = ANOTHER_UNIT.match(rest)
    if other and UNIT_WORDS.get(other.group(1).lower(), unit) != unit:
        return None, text[:NOTE_LENGTH], None  # "points or hours": which one is the admins' to say
    note = _without_outer_parentheses(rest) or None
    per_unit = None
    conversion = CONVERSION.search(text)
    if conversion and unit != "hours" and UNIT_WORDS[conversion.group(1).lower()] == unit:
        per_unit = float(conversion.group(2)) or None
    return unit, note[:NOTE_LENGTH] if note else None, per_unit


def _joined(unit: str | None, note: str | None, per_unit: float | None) -> str | None:
    """The free text again, for a downgrade."""
    parts = [part for part in (unit, f"({note})" if unit and note else note) if part]
    if per_unit:
        parts.append(f"(1 {SINGULAR.get(unit, unit)} = {per_unit:g} hours)")
    return " ".join(parts)[:300] or None


def upgrade():
    with op.batch_alter_table("regulators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cpd_hours_per_unit", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("cpd_note", sa.String(length=300), nullable=True))
    bind = op.get_bind()
    regulators = sa.table("regulators", sa.column("id", sa.Integer), sa.column("cpd_unit", sa.String),
                          sa.column("cpd_note", sa.String), sa.column("cpd_hours_per_unit", sa.Double))
    for row in bind.execute(sa.select(regulators.c.id, regulators.c.cpd_unit)).all():
        unit, note, per_unit = split_unit(row.cpd_unit)
        bind.execute(regulators.update().where(regulators.c.id == row.id)
                     .values(cpd_unit=unit, cpd_note=note, cpd_hours_per_unit=per_unit))
    with op.batch_alter_table("regulators", schema=None) as batch_op:
        batch_op.alter_column("cpd_unit", existing_type=sa.String(length=300), type_=sa.String(length=10),
                              existing_nullable=True)
        batch_op.create_check_constraint("cpd_unit", f"cpd_unit IS NULL OR cpd_unit IN {_in(UNITS)}")
        batch_op.create_check_constraint(
            "cpd_hours_per_unit",
            "cpd_hours_per_unit IS NULL OR (cpd_hours_per_unit > 0 AND cpd_unit IS NOT NULL AND cpd_unit <> 'hours')")

    with op.batch_alter_table("cpd_activities", schema=None) as batch_op:
        batch_op.alter_column("points", new_column_name="amount", existing_type=sa.Double(), nullable=True)
        batch_op.add_column(sa.Column("unit", sa.String(length=10), nullable=True))
    op.execute("UPDATE cpd_activities SET unit = 'points' WHERE amount IS NOT NULL")
    with op.batch_alter_table("cpd_activities", schema=None) as batch_op:
        batch_op.create_check_constraint("amount_unit", "(amount IS NULL) = (unit IS NULL)")
        batch_op.create_check_constraint("unit", f"unit IS NULL OR unit IN {_in(ACTIVITY_UNITS)}")
        batch_op.create_check_constraint("something_given", "hours IS NOT NULL OR amount IS NOT NULL")


def downgrade():
    """Back to one free-text unit (unit, note and conversion joined) and CPD points: an activity's
    amount in credits or units becomes points again, one that gave only hours 0 points."""
    with op.batch_alter_table("cpd_activities", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cpd_activities_something_given"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_cpd_activities_unit"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_cpd_activities_amount_unit"), type_="check")
    op.execute("UPDATE cpd_activities SET amount = 0 WHERE amount IS NULL")
    with op.batch_alter_table("cpd_activities", schema=None) as batch_op:
        batch_op.drop_column("unit")
        batch_op.alter_column("amount", new_column_name="points", existing_type=sa.Double(), nullable=False)

    with op.batch_alter_table("regulators", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_regulators_cpd_hours_per_unit"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_regulators_cpd_unit"), type_="check")
        batch_op.alter_column("cpd_unit", existing_type=sa.String(length=10), type_=sa.String(length=300),
                              existing_nullable=True)
    bind = op.get_bind()
    regulators = sa.table("regulators", sa.column("id", sa.Integer), sa.column("cpd_unit", sa.String),
                          sa.column("cpd_note", sa.String), sa.column("cpd_hours_per_unit", sa.Double))
    for row in bind.execute(sa.select(regulators.c.id, regulators.c.cpd_unit, regulators.c.cpd_note,
                                      regulators.c.cpd_hours_per_unit)).all():
        bind.execute(regulators.update().where(regulators.c.id == row.id)
                     .values(cpd_unit=_joined(row.cpd_unit, row.cpd_note, row.cpd_hours_per_unit)))
    with op.batch_alter_table("regulators", schema=None) as batch_op:
        batch_op.drop_column("cpd_note")
        batch_op.drop_column("cpd_hours_per_unit")
