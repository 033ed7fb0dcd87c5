"""The member directory: filters, search and sorting over what the policy lets a user see.

`search` takes the base select from `policy.directory_scope` (memberships of one association,
joined to their user and outer-joined to their profile) and narrows it. Every filter uses an
indexed column: profiles.cadre, memberships (association_id, status), and EXISTS subqueries on
the primary keys of profile_heritage_countries (user_id, country) and profile_skills
(user_id, skill_id). The rows come with everything a page shows, loaded in a fixed number
of statements whatever the page size."""

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from diaspora.associations.models import Membership
from diaspora.auth.models import User
from diaspora.members.models import Profile, ProfileHeritageCountry, ProfileSkill, Skill

SORTS = {
    "name": "Name",
    "newest": "Newest members first",
    "cadre": "Cadre",
}
DEFAULT_SORT = "name"
PER_PAGE = 25


def search(base: sa.Select, *, q: str | None = None, cadre: str | None = None,
           heritage: str | None = None, status: str | None = None,
           sort: str | None = DEFAULT_SORT) -> sa.Select:
    """`base` narrowed by the filters that are set (None or "" means any), sorted, with the
    membership's user, profile, heritage countries, skills and type loaded."""
    query = base
    q = (q or "").strip()
    if q:
        query = query.where(sa.or_(
            User.name.icontains(q, autoescape=True),
            Profile.specialty.icontains(q, autoescape=True),
            _has_skill_like(q),
        ))
    if cadre:
        query = query.where(Profile.cadre == cadre)
    if heritage:
        query = query.where(_has_heritage(heritage.upper()))
    if status:
        query = query.where(Membership.status == status)
    return query.order_by(*_ordering(sort)).options(*_loading())


def _has_heritage(country: str) -> sa.Exists:
    return sa.exists().where(
        ProfileHeritageCountry.user_id == Membership.user_id,
        ProfileHeritageCountry.country == country,
    )


def _has_skill_like(text: str) -> sa.Exists:
    matching_skills = sa.select(Skill.id).where(Skill.name.icontains(text, autoescape=True))
    return sa.exists().where(
        ProfileSkill.user_id == Membership.user_id,
        ProfileSkill.skill_id.in_(matching_skills),
    )


def _ordering(sort: str | None) -> list:
    by_name = [sa.func.lower(User.name), Membership.id]
    if sort == "newest":
        return [Membership.joined_on.desc().nulls_last(), Membership.id.desc()]
    if sort == "cadre":
        return [Profile.cadre.asc().nulls_last(), *by_name]
    return by_name


def _loading() -> list:
    """The base select already joins the user and (outer) the profile: take them from its
    row; the collections come in one SELECT ... IN each; the type in the same row."""
    return [
        contains_eager(Membership.user).contains_eager(User.profile).options(
            selectinload(Profile.heritage), selectinload(Profile.skills)
        ),
        joinedload(Membership.membership_type),
    ]
