"""The workspaces of each role (core/navigation.py): a desk officer's desk, a platform admin's
admin home, an officer's association, a member's dashboard. One statement, once per request:
the user's desks and their memberships (with their associations), read as rows of the few
columns the menu shows (every page pays for them: no ORM objects to build, one round trip)."""

from flask import url_for

from diaspora.core.navigation import Workspace
from diaspora.core.statements import kept
from diaspora.extensions import db

DESK, ADMIN, OFFICER, MEMBER = 10, 20, 30, 40  # the order: the first is where one lands


def of(user) -> list[Workspace]:
    from diaspora.associations.models import Membership
    from diaspora.core.i18n import _

    rows = db.session.execute(kept("workspaces", _statement), {"user_id": user.id}).all()
    desks = [row for row in rows if row.part == 0]
    memberships = [row for row in rows if row.part == 1]
    spaces = [Workspace("desk", desk.name, url_for("desk_work.queue", desk_id=desk.desk_id), DESK + index)
              for index, desk in enumerate(desks)]
    if user.is_admin:
        spaces.append(Workspace("admin", _("Administration"), url_for("dashboard.admin_home"), ADMIN))
    spaces += [Workspace("officer", m.name, url_for("associations.manage", slug=m.slug), OFFICER + index)
               for index, m in enumerate(memberships)
               if m.role == Membership.OFFICER and m.status == Membership.ACTIVE]
    if memberships or not spaces:  # someone with no other role is a member finding their way
        spaces.append(Workspace("member", _("Your dashboard"), url_for("dashboard.index"), MEMBER))
    return spaces


def _statement():
    """The policies' two statements for any user (the user's id a bound parameter) as one, the
    desks first, each in its policy's order (kept: core/statements.py)."""
    from types import SimpleNamespace

    import sqlalchemy as sa

    from diaspora.associations import policy as association_policy
    from diaspora.associations.models import Association, Membership
    from diaspora.desks import policy as desk_policy
    from diaspora.desks.models import Desk

    anyone = SimpleNamespace(id=sa.bindparam("user_id", type_=sa.Integer))
    text = sa.String(200)

    def blank(type_):
        return sa.cast(sa.null(), type_)

    desks = desk_policy.desks_of(anyone).order_by(None).with_only_columns(
        sa.literal(0).label("part"), Desk.country.label("first"), Desk.name.label("name"),
        Desk.id.label("desk_id"), blank(text).label("slug"), blank(text).label("role"),
        blank(text).label("status"), blank(sa.Integer).label("membership_id"))
    memberships = association_policy.memberships_of(anyone).order_by(None).with_only_columns(
        sa.literal(1).label("part"), Association.name.label("first"), Association.name.label("name"),
        blank(sa.Integer).label("desk_id"), Association.slug.label("slug"), Membership.role.label("role"),
        Membership.status.label("status"), Membership.id.label("membership_id"))
    both = sa.union_all(desks, memberships).subquery()
    return sa.select(both).order_by(both.c.part, both.c.first, both.c.name, both.c.membership_id)

