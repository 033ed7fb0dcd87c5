"""Who may see and do what with licences.

A licence, its certificate and the member's CPD are the member's. An officer of an association
sees a member's licences only while the member is an active member there and has chosen to let
that association's officers see them (`LicenceSharing`); nobody else does. Regulators and the
safeguards list are kept by platform admins. The calendar feed is opened by its secret token."""

import sqlalchemy as sa

from diaspora.associations.models import Membership
from diaspora.core import memo
from diaspora.core.access import acting_for, object_kind
from diaspora.core.access_log import Read, describe
from diaspora.core.i18n import _l
from diaspora.extensions import db
from diaspora.licensure.models import CpdActivity, Licence, LicenceFeed, LicenceSharing, Regulator, SafeguardCountry


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False)


def shared_with_officer(officer, member_id: int) -> bool:
    """The member shares their licences with an association this user runs, where they are active."""
    if not _signed_in(officer):
        return False

    def look() -> bool:
        runs = (sa.select(Membership.association_id)
                .where(Membership.user_id == officer.id, Membership.role == Membership.OFFICER,
                       Membership.status == Membership.ACTIVE))
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(LicenceSharing)
            .join(Membership, sa.and_(Membership.user_id == LicenceSharing.user_id,
                                      Membership.association_id == LicenceSharing.association_id))
            .where(LicenceSharing.user_id == member_id, LicenceSharing.shared.is_(True),
                   Membership.status == Membership.ACTIVE, LicenceSharing.association_id.in_(runs))) > 0

    return memo.cached(("licences_shared_with", officer.id, member_id), look)


def can_licence(user, action: str, licence: Licence) -> bool:
    if not _signed_in(user):
        return False
    own = licence.user_id == user.id
    if action == "view":
        return own or shared_with_officer(user, licence.user_id)
    if action == "change":
        return own
    return False


def owns(user, action: str, record) -> bool:
    return _signed_in(user) and record.user_id == user.id


def admins_keep(user, action: str, record) -> bool:
    return _signed_in(user) and user.is_admin


def _get(model):
    return lambda **params: db.session.get(model, next(iter(params.values())))


def _feed(token: str) -> LicenceFeed | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(LicenceFeed).where(LicenceFeed.token == token))


def _safeguard(country: str) -> SafeguardCountry | None:
    return db.session.get(SafeguardCountry, (country or "").upper()[:2])


def _reads_licence(user, licence: Licence) -> Read:
    """An officer sees a licence through an association its member shares with."""
    return Read(licence.user_id, "licence", "service" if acting_for(user) is not None else "officer")


def declare_kinds() -> None:
    describe("licence", _l("A licence of yours"))
    object_kind("licence", params=("licence_id",), find=_get(Licence), can=can_licence, actions={"view", "change"},
                reads=_reads_licence)
    object_kind("cpd_activity", params=("activity_id",), find=_get(CpdActivity), can=owns,
                actions={"view", "change"})
    object_kind("regulator", params=("regulator_id",), find=_get(Regulator), can=admins_keep,
                actions={"view", "manage"})
    object_kind("safeguard_country", params=("country",), find=_safeguard, can=admins_keep,
                actions={"view", "manage"})
    object_kind("licence_feed", params=("token",), find=_feed,
                can=lambda user, action, feed: action == "view", actions={"view"})
