"""The member directory: filters, search and sorting over what the policy lets a user see.

`page(...)` takes the base select from `policy.directory_scope` (memberships of one
association, joined to their user and outer-joined to their profile), narrows it, and cuts one
keyset page of plain rows: everything a page shows comes in one statement (countries and skills
aggregated in it), with no ORM objects to build.

Orderings are indexes: (association_id, sort_name, id) by name, (association_id, created_at,
id) newest first, each with a status in front where the list filters on one. Search looks in
`memberships.search_text` (the member's folded name, specialty and skills). A word spread
through the list (a specialty) is found by walking the name index a bounded window at a time;
a rare one (a person's name) by the trigram index, then sorting the few matches. `page` tries
the walk first, within `WINDOW` rows, and takes the trigram index only when the window holds
too few matches: each search costs at most one window plus its matches."""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from diaspora.associations.models import Membership, MembershipType
from diaspora.auth.models import User
from diaspora.core.i18n import _l
from diaspora.core.pagination import Ordering, Page, SortKey, _beyond, decode, paginate
from diaspora.core.text import contains, fold
from diaspora.members.models import CADRES, Profile, ProfileHeritageCountry, ProfileSkill, Skill

SORTS = {
    "name": _l("Name"),
    "newest": _l("Newest members first"),
}
DEFAULT_SORT = "name"
PER_PAGE = 25
WINDOW = 2000  # rows of the ordered index a search walks before it turns to the trigram index

ORDERINGS = {
    "name": Ordering([
        SortKey(Membership.sort_name, lambda m: m.sort_name),
        SortKey(Membership.id, lambda m: m.id, kind=int),
    ]),
    "newest": Ordering([
        SortKey(Membership.created_at, lambda m: m.created_at, descending=True, kind=datetime),
        SortKey(Membership.id, lambda m: m.id, descending=True, kind=int),
    ]),
}


@dataclass
class Member:
    """One row of the directory, as the page shows it."""

    id: int
    sort_name: str
    created_at: datetime
    status: str
    role: str
    renews_on: date | None
    name: str
    email: str
    cadre: str | None
    specialty: str | None
    type_name: str | None
    heritage: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)

    @property
    def cadre_label(self) -> str:
        return str(CADRES.get(self.cadre or "", ""))


def _heritage():
    return (sa.select(sa.func.aggregate_strings(ProfileHeritageCountry.country, ","))
            .where(ProfileHeritageCountry.user_id == Membership.user_id)
            .correlate(Membership).scalar_subquery().label("heritage"))


def _skills():
    return (sa.select(sa.func.aggregate_strings(Skill.name, "|")).select_from(ProfileSkill)
            .join(Skill, Skill.id == ProfileSkill.skill_id)
            .where(ProfileSkill.user_id == Membership.user_id)
            .correlate(Membership).scalar_subquery().label("skills"))


def listing(base: sa.Select, *, q: str | None = None, cadre: str | None = None, heritage: str | None = None,
            status: str | None = None, walking: bool = False) -> sa.Select:
    """`base` narrowed by the filters that are set (None or "" means any), as rows of columns.
    `walking`: the search is checked on each row of an index walk, written so that the database
    cannot take the trigram index for it (which would read every match in the whole table)."""
    query = base.outerjoin(MembershipType, MembershipType.id == Membership.membership_type_id).with_only_columns(
        Membership.id, Membership.sort_name, Membership.created_at, Membership.status, Membership.role,
        Membership.renews_on, User.name, User.email, Profile.cadre, Profile.specialty,
        MembershipType.name.label("type_name"), _heritage(), _skills())
    q = fold(q or "")
    if q:
        searched = sa.func.coalesce(Membership.search_text, "") if walking else Membership.search_text
        query = query.where(contains(searched, q))
    if cadre:
        query = query.where(Profile.cadre == cadre)
    if heritage:
        query = query.where(sa.exists().where(ProfileHeritageCountry.user_id == Membership.user_id,
                                              ProfileHeritageCountry.country == heritage.upper()))
    if status:
        query = query.where(Membership.status == status)
    return query


def ordering(sort: str | None) -> Ordering:
    return ORDERINGS.get(sort or DEFAULT_SORT, ORDERINGS[DEFAULT_SORT])


def page(base: sa.Select, association_id: int, *, statuses: list[str] | None, filters: dict, sort: str | None,
         after: str | None, before: str | None, per_page: int = PER_PAGE) -> Page:
    """One page of the directory. `statuses`: the membership statuses the viewer may see at all
    (None: any), which bound the search's window."""
    chosen = ordering(sort)
    query = listing(base, **{key: value for key, value in filters.items() if key != "sort"})
    if not filters.get("q"):
        return _members(paginate(query, chosen, after=after, before=before, per_page=per_page, scalars=False))
    if before or len(filters["q"].split()) > 1:  # going back, or several words (someone's name): the trigram index
        return _members(paginate(query, _unindexed(chosen), after=after, before=before, per_page=per_page,
                                 scalars=False))
    window_statuses = [filters["status"]] if filters.get("status") else statuses
    end = _window_end(association_id, window_statuses, chosen, decode(after, chosen))
    walk = listing(base, walking=True, **{key: value for key, value in filters.items() if key != "sort"})
    bounded = walk if end is None else walk.where(~_beyond(chosen, end, backwards=False))
    found = paginate(bounded, chosen, after=after, per_page=per_page, scalars=False)
    if found.has_next or end is None:
        return _members(found)
    return _members(paginate(query, _unindexed(chosen), after=after, per_page=per_page, scalars=False))


def _window_end(association_id: int, statuses: list[str] | None, chosen: Ordering, cursor: list | None):
    """The sort key `WINDOW` rows on from the cursor in the association's list (None when the
    list ends sooner): an index-only walk."""
    query = sa.select(*(key.column for key in chosen.keys)).where(Membership.association_id == association_id)
    if statuses:
        query = query.where(Membership.status.in_(statuses))
    if cursor is not None:
        query = query.where(_beyond(chosen, cursor, backwards=False))
    from diaspora.extensions import db

    row = db.session.execute(query.order_by(*chosen.order_by()).offset(WINDOW - 1).limit(1)).first()
    return list(row) if row is not None else None


def _unindexed(chosen: Ordering) -> Ordering:
    """The same order, written so that the database does not walk the ordering's index (it
    filters through the trigram index, then sorts the matches)."""
    return Ordering([SortKey(sa.func.coalesce(key.column, key.column), key.value, key.descending, key.kind)
                     for key in chosen.keys])


def _members(found: Page) -> Page:
    found.items = [Member(
        id=row.id, sort_name=row.sort_name, created_at=row.created_at, status=row.status, role=row.role,
        renews_on=row.renews_on, name=row.name, email=row.email, cadre=row.cadre, specialty=row.specialty,
        type_name=row.type_name, heritage=sorted((row.heritage or "").split(",")) if row.heritage else [],
        skills=sorted((row.skills or "").split("|")) if row.skills else [],
    ) for row in found.items]
    return found
