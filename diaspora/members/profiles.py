"""A member's profile: the rules shared with its form, saving it (with a version check), the
skill tags, and the start of a profile that an invitation's hint offers."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from diaspora.core import audit
from diaspora.core.domain import DomainError, check_version
from diaspora.core.i18n import _
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.members.models import (
    CADRES,
    RETURN_HORIZONS,
    RETURN_INTERESTS,
    Profile,
    ProfileHeritageCountry,
    ProfileLanguage,
    ProfileSkill,
    Skill,
)

SKILL_SUGGESTIONS = 40
PROFILE_FIELDS = ("cadre", "specialty", "host_country", "host_city", "return_interest", "return_horizon")
LIST_FIELDS = ("heritage_countries", "languages", "skills")
# INSERT ... ON CONFLICT DO NOTHING, by dialect.
UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def return_horizon_problem(interest: str | None, horizon: str | None) -> str | None:
    if interest and interest != "none" and not horizon:
        return _("Choose when you might go, or choose “Not at the moment” above.")
    return None


def load_profile(user) -> Profile | None:
    """The user's profile with its lists (three bounded SELECTs, whatever their length)."""
    return db.session.scalar(
        sa.select(Profile)
        .where(Profile.user_id == user.id)
        .options(selectinload(Profile.heritage), selectinload(Profile.languages),
                 selectinload(Profile.skills))
        .execution_options(populate_existing=True)
    )


def profile_lists(profile: Profile | None) -> dict[str, list[str]]:
    if profile is None:
        return {name: [] for name in LIST_FIELDS}
    return {
        "heritage_countries": sorted(profile.heritage_countries),
        "languages": sorted(row.language for row in profile.languages),
        "skills": sorted(skill.name for skill in profile.skills),
    }


def skill_suggestions(limit: int = SKILL_SUGGESTIONS) -> list[str]:
    """The skills most members use, most used first: one GROUP BY."""
    return list(db.session.scalars(
        sa.select(Skill.name)
        .join(ProfileSkill, ProfileSkill.skill_id == Skill.id)
        .group_by(Skill.id, Skill.name)
        .order_by(sa.func.count().desc(), Skill.name)
        .limit(limit)
    ))


def update_profile(user, values: dict, version: str | None) -> Profile:
    """Save the profile (creating it on first save). `version` is the profile's version when
    the form was shown; if it was saved since, nothing is saved (VersionConflict)."""
    profile = load_profile(user)
    check_version(profile, version)
    _check_profile_values(values)
    if profile is None:
        profile = Profile(user_id=user.id)
        db.session.add(profile)

    changes = audit.diff(profile, {name: values[name] for name in PROFILE_FIELDS})
    old_lists = profile_lists(profile)
    for name in LIST_FIELDS:
        if old_lists[name] != sorted(values[name]):
            changes[name] = [old_lists[name], sorted(values[name])]
    if not changes:
        return profile

    for name in PROFILE_FIELDS:
        setattr(profile, name, values[name])
    _replace_rows(profile, "heritage", ProfileHeritageCountry, "country", values["heritage_countries"])
    _replace_rows(profile, "languages", ProfileLanguage, "language", values["languages"])
    profile.skills = skills_named(values["skills"])
    # Always write the profile row, so its version moves on even when only a list changed.
    profile.updated_at = utcnow()
    db.session.flush()
    audit.record("profile.updated", user, actor=user, changes=changes)
    return profile


def start_profile(user, *, cadre: str | None, specialty: str | None, heritage_countries: list[str]) -> None:
    """A profile begun from what an officer's import knew, for someone who has none yet."""
    if db.session.get(Profile, user.id) is not None:
        return
    profile = Profile(user_id=user.id, cadre=cadre if cadre in CADRES else None,
                      specialty=(specialty or "")[:120] or None)
    profile.heritage = [ProfileHeritageCountry(country=code) for code in dict.fromkeys(heritage_countries)]
    db.session.add(profile)
    db.session.flush()
    audit.record("profile.started", user, actor=user, changes={"from": "invitation"})


def _check_profile_values(values: dict) -> None:
    if values["cadre"] not in CADRES:
        raise DomainError(_("Choose your profession."), field="cadre")
    if not values["heritage_countries"]:
        raise DomainError(_("Choose at least one heritage country."), field="heritage_countries")
    if values["return_interest"] not in RETURN_INTERESTS:
        raise DomainError(_("Choose one of the options."), field="return_interest")
    if values["return_horizon"] is not None and values["return_horizon"] not in RETURN_HORIZONS:
        raise DomainError(_("Choose one of the options."), field="return_horizon")
    problem = return_horizon_problem(values["return_interest"], values["return_horizon"])
    if problem:
        raise DomainError(problem, field="return_horizon")


def _replace_rows(profile: Profile, relation: str, model, column: str, wanted: list[str]) -> None:
    """Keep the rows still wanted, drop the others (delete-orphan), add the new ones:
    never a DELETE and INSERT of the same key in one flush."""
    rows = getattr(profile, relation)
    kept = [row for row in rows if getattr(row, column) in wanted]
    have = {getattr(row, column) for row in kept}
    setattr(profile, relation, kept + [model(**{column: value}) for value in wanted if value not in have])


def skills_named(names: list[str]) -> list[Skill]:
    """The Skill rows for these (normalised) names, making the missing ones. Two members adding
    the same new skill at once both succeed: the INSERT skips names that already exist."""
    if not names:
        return []
    found = {skill.name: skill for skill in db.session.scalars(sa.select(Skill).where(Skill.name.in_(names)))}
    missing = [name for name in names if name not in found]
    if missing:
        insert = UPSERT_INSERTS.get(db.session.get_bind().dialect.name)
        if insert is not None:
            db.session.execute(
                insert(Skill).values([{"name": name} for name in missing])
                .on_conflict_do_nothing(index_elements=["name"])
            )
        else:
            db.session.add_all(Skill(name=name) for name in missing)
            db.session.flush()
        found.update(
            (skill.name, skill)
            for skill in db.session.scalars(sa.select(Skill).where(Skill.name.in_(missing)))
        )
    return [found[name] for name in names]


def drop_unused_skills() -> int:
    """Skill tags nobody uses any more (one a deleted member typed would otherwise survive)."""
    unused = ~sa.exists().where(ProfileSkill.skill_id == Skill.id)
    return db.session.execute(sa.delete(Skill).where(unused).execution_options(synchronize_session=False)).rowcount
