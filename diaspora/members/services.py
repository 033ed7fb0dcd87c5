"""A member's own records: profile, credentials, availability, consents, memberships, and
their whole account (export, deletion). Services flush and never commit; they raise
`MemberError` when a rule stops a change, with the form field it belongs beside."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload, undefer
from werkzeug.datastructures import FileStorage

from diaspora.associations import policy as association_policy
from diaspora.associations.models import Association, Membership
from diaspora.auth import passwords
from diaspora.auth.models import User, new_session_token
from diaspora.core import audit
from diaspora.core.files import UploadError, store_upload
from diaspora.core.models import AuditEvent, StoredFile
from diaspora.core.outbox import queue_email
from diaspora.core.time import today, utcnow
from diaspora.extensions import db
from diaspora.members import policy
from diaspora.members.models import (
    AVAILABILITY_MODES,
    CADRES,
    CREDENTIAL_KINDS,
    RETURN_HORIZONS,
    RETURN_INTERESTS,
    Availability,
    Credential,
    DeskSharingConsent,
    Profile,
    ProfileHeritageCountry,
    ProfileLanguage,
    ProfileSkill,
    Skill,
)

FIRST_CREDENTIAL_YEAR = 1950
SKILL_SUGGESTIONS = 40
DELETED_NAME = "Deleted member"
PROFILE_FIELDS = ("cadre", "specialty", "host_country", "host_city", "return_interest", "return_horizon")
LIST_FIELDS = ("heritage_countries", "languages", "skills")
# INSERT ... ON CONFLICT DO NOTHING, by dialect.
UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class MemberError(Exception):
    """A rule stopped the change; the message is for the person, `field` says where it belongs."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ProfileChangedMeanwhile(MemberError):
    """The profile was saved elsewhere (another tab or device) after this form was shown."""


# ---------------------------------------------------------------- rules shared with the forms


def return_horizon_problem(interest: str | None, horizon: str | None) -> str | None:
    if interest and interest != "none" and not horizon:
        return "Choose when you might go, or choose “Not at the moment” above."
    return None


def credential_year_problem(year: int | None) -> str | None:
    if year is None or not FIRST_CREDENTIAL_YEAR <= year <= today().year:
        return f"Enter a year from {FIRST_CREDENTIAL_YEAR} to {today().year}."
    return None


def availability_problem(starts_on: date | None, ends_on: date | None) -> tuple[str, str] | None:
    """(field, message) when the period cannot be kept, else None."""
    if starts_on is None:
        return "starts_on", "Enter the first day you are available."
    if ends_on is None:
        return "ends_on", "Enter the last day you are available."
    if ends_on < starts_on:
        return "ends_on", "The last day must be the same as or after the first day."
    if ends_on < today():
        return "ends_on", "This period is already over: the last day must be today or later."
    return None


# ---------------------------------------------------------------- profile


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
    the form was shown; if it was saved since, nothing is saved and ProfileChangedMeanwhile
    says so."""
    profile = load_profile(user)
    if str(profile.version if profile else 0) != (version or "0").strip():
        raise ProfileChangedMeanwhile(
            "Your profile was changed somewhere else (in another tab or on another device) after you "
            "opened this form, so we did not save this form. What is saved now is listed here; what you "
            "typed is still in the form below. Check it, then save again to keep your version."
        )
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
    audit.record("profile.updated", user, changes=changes)
    return profile


def _check_profile_values(values: dict) -> None:
    if values["cadre"] not in CADRES:
        raise MemberError("Choose your profession.", field="cadre")
    if not values["heritage_countries"]:
        raise MemberError("Choose at least one heritage country.", field="heritage_countries")
    if values["return_interest"] not in RETURN_INTERESTS:
        raise MemberError("Choose one of the options.", field="return_interest")
    if values["return_horizon"] is not None and values["return_horizon"] not in RETURN_HORIZONS:
        raise MemberError("Choose one of the options.", field="return_horizon")
    problem = return_horizon_problem(values["return_interest"], values["return_horizon"])
    if problem:
        raise MemberError(problem, field="return_horizon")


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


# ---------------------------------------------------------------- credentials


def credentials_of(user) -> list[Credential]:
    return list(db.session.scalars(
        sa.select(Credential)
        .where(Credential.user_id == user.id)
        .options(joinedload(Credential.evidence))  # its bytes are deferred: metadata only
        .order_by(Credential.year.desc(), Credential.id.desc())
    ))


def add_credential(user, *, kind: str, title: str, awarding_body: str, year: int | None,
                   evidence: FileStorage | None = None) -> Credential:
    if kind not in CREDENTIAL_KINDS:
        raise MemberError("Choose a qualification or a responsibility.", field="kind")
    problem = credential_year_problem(year)
    if problem:
        raise MemberError(problem, field="year")
    stored = None
    if evidence is not None and evidence.filename:
        try:
            stored = store_upload(evidence, user)
        except UploadError as error:
            raise MemberError(str(error), field="evidence") from error
    credential = Credential(user_id=user.id, kind=kind, title=title.strip(),
                            awarding_body=awarding_body.strip(), year=year, evidence=stored)
    db.session.add(credential)
    db.session.flush()
    changes = {"kind": kind, "title": credential.title, "awarding_body": credential.awarding_body,
               "year": year}
    if stored is not None:
        changes["evidence"] = {"filename": stored.filename, "content_type": stored.content_type,
                               "size": stored.size}
    audit.record("credential.added", credential, changes=changes)
    return credential


def delete_credential(user, credential: Credential) -> None:
    policy.own_or_404(user, credential)
    audit.record("credential.deleted", credential,
                 changes={"title": credential.title, "year": credential.year,
                          "evidence_deleted": credential.evidence_id is not None})
    evidence_id = credential.evidence_id
    db.session.delete(credential)
    db.session.flush()
    if evidence_id is not None:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id == evidence_id))


def credential_evidence(user, credential_id: int) -> StoredFile | None:
    """The evidence file (its bytes loaded) of one of the user's own credentials. Another
    member's credential answers 404; a credential without evidence gives None."""
    credential = policy.own_or_404(user, db.session.get(Credential, credential_id))
    if credential.evidence_id is None:
        return None
    return db.session.scalar(
        sa.select(StoredFile)
        .where(StoredFile.id == credential.evidence_id, StoredFile.owner_id == user.id)
        .options(undefer(StoredFile.data))
    )


# ---------------------------------------------------------------- availability


def availability_of(user) -> list[Availability]:
    return list(db.session.scalars(
        sa.select(Availability).where(Availability.user_id == user.id)
        .order_by(Availability.starts_on, Availability.id)
    ))


def add_availability(user, *, starts_on: date | None, ends_on: date | None, mode: str,
                     note: str | None = None) -> Availability:
    problem = availability_problem(starts_on, ends_on)
    if problem:
        raise MemberError(problem[1], field=problem[0])
    if mode not in AVAILABILITY_MODES:
        raise MemberError("Choose how you can take part.", field="mode")
    period = Availability(user_id=user.id, starts_on=starts_on, ends_on=ends_on, mode=mode,
                          note=(note or "").strip() or None)
    db.session.add(period)
    db.session.flush()
    audit.record("availability.added", period, changes={
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "mode": mode, "note": period.note,
    })
    return period


def delete_availability(user, period: Availability) -> None:
    policy.own_or_404(user, period)
    audit.record("availability.deleted", period, changes={
        "starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(), "mode": period.mode,
    })
    db.session.delete(period)
    db.session.flush()


# ---------------------------------------------------------------- consents


@dataclass
class Consents:
    profile: Profile | None
    countries: list[str]  # the desks the member can choose to share with
    heritage: set[str]
    desk: dict[str, DeskSharingConsent]

    @property
    def directory(self) -> bool:
        return bool(self.profile and self.profile.directory_consent)

    def shares_with(self, country: str) -> bool:
        row = self.desk.get(country)
        return bool(row and row.shared)


def consents_of(user, profile: Profile | None = None) -> Consents:
    """The member's choices. The desks listed are their heritage countries, and any desk they
    still share with although it is no longer one of them (so it can always be withdrawn)."""
    if profile is None:
        profile = load_profile(user)
    rows = {row.country: row for row in db.session.scalars(
        sa.select(DeskSharingConsent).where(DeskSharingConsent.user_id == user.id)
    )}
    heritage = set(profile.heritage_countries) if profile else set()
    countries = sorted(heritage | {country for country, row in rows.items() if row.shared})
    return Consents(profile=profile, countries=countries, heritage=heritage, desk=rows)


def change_consents(user, *, directory: bool, desks: dict[str, bool]) -> dict:
    """Record the member's choices. Only a choice that changes gets a new timestamp. Returns
    the changes ({} when nothing changed)."""
    consents = consents_of(user)
    now = utcnow()
    changes: dict[str, list] = {}
    profile = consents.profile
    if directory != consents.directory:
        if profile is None:
            profile = Profile(user_id=user.id)
            db.session.add(profile)
        profile.directory_consent = directory
        profile.directory_consent_at = now
        changes["directory"] = [not directory, directory]
    for country in consents.countries:
        wanted = bool(desks.get(country, False))
        row = consents.desk.get(country)
        if wanted == consents.shares_with(country):
            continue
        if row is None:
            row = DeskSharingConsent(user_id=user.id, country=country)
            db.session.add(row)
        row.shared = wanted
        row.changed_at = now
        changes[f"desk:{country}"] = [not wanted, wanted]
    if changes:
        db.session.flush()
        audit.record("consent.changed", user, changes=changes)
    return changes


# ---------------------------------------------------------------- memberships


def memberships_query(user) -> sa.Select:
    """The member's memberships with their association and type (no N+1)."""
    return association_policy.memberships_of(user).options(selectinload(Membership.membership_type))


def load_own_membership(user, membership_id: int) -> Membership:
    membership = db.session.scalar(
        sa.select(Membership)
        .where(Membership.id == membership_id)
        .options(joinedload(Membership.association))
    )
    return policy.own_or_404(user, membership)


def is_sole_officer(user, association_id: int) -> bool:
    return db.session.scalar(
        policy.sole_officer_associations(user).where(Association.id == association_id).limit(1)
    ) is not None


def leave_problem(user, membership: Membership) -> str | None:
    name = membership.association.name
    if membership.status == Membership.LEFT:
        return f"You have already left {name}."
    if membership.status == Membership.REJECTED:
        return f"Your application to {name} was not accepted, so there is nothing to leave."
    if membership.is_officer and is_sole_officer(user, membership.association_id):
        return (f"You are the only officer of {name}, so you cannot leave it yet. "
                "Make another member an officer first; then you can leave.")
    return None


def leave_membership(user, membership: Membership) -> None:
    policy.own_or_404(user, membership)
    problem = leave_problem(user, membership)
    if problem:
        raise MemberError(problem)
    _leave(membership)


def _leave(membership: Membership, reason: str | None = None) -> None:
    changes = audit.diff(membership, {"status": Membership.LEFT, "role": Membership.MEMBER})
    membership.status = Membership.LEFT
    membership.role = Membership.MEMBER
    if reason:
        changes["reason"] = reason
    db.session.flush()
    audit.record("membership.left", membership, changes=changes)


# ---------------------------------------------------------------- the whole account


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_data(user) -> dict:
    """Everything the app holds about the user, as JSON-ready data. Audit events about other
    people's records (done by this user, as an officer) are listed without their details."""
    profile = load_profile(user)
    consents = consents_of(user, profile)
    memberships = list(db.session.scalars(memberships_query(user)))
    credentials = credentials_of(user)
    periods = availability_of(user)
    own_objects = {
        "users": [str(user.id)],
        "memberships": [str(m.id) for m in memberships],
        "credentials": [str(c.id) for c in credentials],
        "availabilities": [str(a.id) for a in periods],
    }
    about_them = sa.or_(*(
        sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
        for kind, ids in own_objects.items() if ids
    ))
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == user.id, about_them))
        .order_by(AuditEvent.id)
    )
    data = {
        "exported_at": _iso(utcnow()),
        "account": {
            "name": user.name, "email": user.email, "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at), "last_login_at": _iso(user.last_login_at),
            "locale": user.locale, "is_platform_admin": user.is_admin,
        },
        "profile": None,
        "credentials": [{
            "kind": c.kind, "title": c.title, "awarding_body": c.awarding_body, "year": c.year,
            "created_at": _iso(c.created_at),
            "evidence": None if c.evidence is None else {
                "filename": c.evidence.filename, "content_type": c.evidence.content_type,
                "size": c.evidence.size, "sha256": c.evidence.sha256,
                "uploaded_at": _iso(c.evidence.created_at),
            },
        } for c in credentials],
        "availability": [{
            "starts_on": _iso(a.starts_on), "ends_on": _iso(a.ends_on), "mode": a.mode, "note": a.note,
            "created_at": _iso(a.created_at),
        } for a in periods],
        "consents": {
            "directory": consents.directory,
            "directory_changed_at": _iso(profile.directory_consent_at) if profile else None,
            "desks": [{"country": row.country, "shared": row.shared, "changed_at": _iso(row.changed_at)}
                      for row in sorted(consents.desk.values(), key=lambda row: row.country)],
        },
        "memberships": [{
            "association": m.association.name,
            "membership_type": m.membership_type.name if m.membership_type else None,
            "role": m.role, "status": m.status,
            "joined_on": _iso(m.joined_on), "renews_on": _iso(m.renews_on),
            "decision_reason": m.decision_reason, "created_at": _iso(m.created_at),
        } for m in memberships],
        "audit_events": [],
    }
    if profile is not None:
        data["profile"] = {
            "cadre": profile.cadre, "specialty": profile.specialty, "host_country": profile.host_country,
            "host_city": profile.host_city, "return_interest": profile.return_interest,
            "return_horizon": profile.return_horizon, "updated_at": _iso(profile.updated_at),
            **profile_lists(profile),
        }
    for event in events:
        own = event.object_id in own_objects.get(event.object_type or "", [])
        data["audit_events"].append({
            "at": _iso(event.created_at), "action": event.action, "by_you": event.actor_id == user.id,
            "object_type": event.object_type, "object_id": event.object_id if own else None,
            "changes": event.changes if own else None,
            "ip_address": event.ip_address if event.actor_id == user.id else None,
        })
    audit.record("user.exported_data", user)
    return data


def deletion_blockers(user) -> list[Association]:
    """The associations that would be left without an officer."""
    return list(db.session.scalars(policy.sole_officer_associations(user)))


def delete_account(user: User, password: str) -> None:
    """Erase the person's identity and their own records; keep only anonymous traces
    (the user row, renamed, holds their place in counts). One transaction."""
    if not passwords.verify_password(user.password_hash, password):
        raise MemberError("Your password is not right.", field="password")
    blockers = deletion_blockers(user)
    if blockers:
        names = ", ".join(association.name for association in blockers)
        raise MemberError(f"You are the only officer of {names}. Make another member an officer "
                          "there first; then you can delete your account.")

    queue_email(user.email, "Your account has been deleted", "members_account_deleted", name=user.name)

    counts = {"memberships_left": 0}
    for membership in db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id)).all():
        if membership.status not in (Membership.LEFT, Membership.REJECTED):
            _leave(membership, reason="account deleted")
            counts["memberships_left"] += 1
    profile = load_profile(user)
    if profile is not None:
        db.session.delete(profile)  # with its heritage, languages and skill links
    counts["credentials_deleted"] = _delete_where(Credential, Credential.user_id == user.id)
    counts["files_deleted"] = _delete_where(StoredFile, StoredFile.owner_id == user.id)
    counts["availability_deleted"] = _delete_where(Availability, Availability.user_id == user.id)
    counts["desk_consents_deleted"] = _delete_where(DeskSharingConsent, DeskSharingConsent.user_id == user.id)

    user.name = DELETED_NAME
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = passwords.UNUSABLE_PREFIX + "deleted"
    user.active = False
    user.deleted_at = utcnow()
    user.session_token = new_session_token()
    user.totp_secret = None
    db.session.flush()
    _redact_audit_trail(user)
    audit.record("user.deleted", user, actor=user, changes=counts)


def _redact_audit_trail(user: User) -> None:
    """Erasure reaches the audit trail too: events about the person keep what happened and
    when, but lose the values (names, addresses, profile fields); none keeps their IP."""
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == str(user.id))
        .values(changes=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .values(ip_address=None)
        .execution_options(synchronize_session=False)
    )


def _delete_where(model, condition) -> int:
    db.session.flush()
    result = db.session.execute(
        sa.delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return result.rowcount
