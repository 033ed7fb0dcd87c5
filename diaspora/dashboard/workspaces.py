"""The workspaces of each role (core/navigation.py): a desk officer's desk, a platform admin's
admin home, an officer's association, a member's dashboard. Two statements, once per request:
the user's memberships (with their associations) and their desks, read as rows of the few
columns the menu shows (every page pays for them: no ORM objects to build)."""

from flask import url_for

from diaspora.core.navigation import Workspace
from diaspora.extensions import db

DESK, ADMIN, OFFICER, MEMBER = 10, 20, 30, 40  # the order: the first is where one lands


def of(user) -> list[Workspace]:
    from diaspora.associations.models import Membership
    from diaspora.core.i18n import _

    desks_statement, memberships_statement = _statements()
    spaces = [Workspace("desk", desk.name, url_for("desk_work.queue", desk_id=desk.id), DESK + index)
              for index, desk in enumerate(db.session.execute(desks_statement, {"user_id": user.id}))]
    if user.is_admin:
        spaces.append(Workspace("admin", _("Administration"), url_for("dashboard.admin_home"), ADMIN))
    memberships = db.session.execute(memberships_statement, {"user_id": user.id}).all()
    spaces += [Workspace("officer", m.name, url_for("associations.manage", slug=m.slug), OFFICER + index)
               for index, m in enumerate(memberships)
               if m.role == Membership.OFFICER and m.status == Membership.ACTIVE]
    if memberships or not spaces:  # someone with no other role is a member finding their way
        spaces.append(Workspace("member", _("Your dashboard"), url_for("dashboard.index"), MEMBER))
    return spaces


_kept: list[tuple] = []


def _statements() -> tuple:
    """The policies' statements for any user (the user's id a bound parameter), built once per
    process: a statement built again on every page is walked again for its cache key."""
    if not _kept:
        import sqlalchemy as sa

        from diaspora.associations import policy as association_policy
        from diaspora.associations.models import Association, Membership
        from diaspora.desks import policy as desk_policy
        from diaspora.desks.models import Desk

        anyone = _AnyUser(sa.bindparam("user_id", type_=sa.Integer))
        _kept.append((desk_policy.desks_of(anyone).with_only_columns(Desk.id, Desk.name),
                      association_policy.memberships_of(anyone).with_only_columns(
                          Membership.role, Membership.status, Association.name, Association.slug)))
    return _kept[0]


class _AnyUser:
    def __init__(self, id):
        self.id = id
