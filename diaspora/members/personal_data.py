"""What a member's own records hold about them, for export and erasure (core/personal_data.py):
the profile (with its lists), qualifications and responsibilities, availability and sharing
choices. All of it is erased; skill tags that nobody else uses go too."""

import sqlalchemy as sa

from diaspora.core import personal_data
from diaspora.core.i18n import _l
from diaspora.extensions import db
from diaspora.members import consents, credentials, profiles
from diaspora.members.models import Availability, Credential, DeskSharingConsent


def _iso(value):
    return value.isoformat() if value is not None else None


def export_profile(user) -> dict | None:
    profile = profiles.load_profile(user)
    if profile is None:
        return None
    return {
        "cadre": profile.cadre, "specialty": profile.specialty, "host_country": profile.host_country,
        "host_city": profile.host_city, "return_interest": profile.return_interest,
        "return_horizon": profile.return_horizon, "updated_at": _iso(profile.updated_at),
        "directory_consent": profile.directory_consent, "directory_consent_at": _iso(profile.directory_consent_at),
        **profiles.profile_lists(profile),
    }


def erase_profile(user) -> int:
    profile = profiles.load_profile(user)
    if profile is None:
        return 0
    db.session.delete(profile)  # with its heritage, languages and skill links
    db.session.flush()
    profiles.drop_unused_skills()
    return 1


def export_credentials(user) -> list[dict]:
    return [{
        "kind": c.kind, "title": c.title, "awarding_body": c.awarding_body, "year": c.year,
        "created_at": _iso(c.created_at),
        "evidence": None if c.evidence is None else {"filename": c.evidence.filename, "size": c.evidence.size},
    } for c in credentials.credentials_of(user)]


def export_availability(user) -> list[dict]:
    return [{"starts_on": _iso(a.starts_on), "ends_on": _iso(a.ends_on), "mode": a.mode, "note": a.note,
             "created_at": _iso(a.created_at)} for a in credentials.availability_of(user)]


def export_sharing(user) -> list[dict]:
    rows = consents.consents_of(user).desk.values()
    return [{"country": row.country, "shared": row.shared, "registration_numbers": row.share_registration,
             "changed_at": _iso(row.changed_at)}
            for row in sorted(rows, key=lambda row: row.country)]


def _delete(model, user) -> int:
    db.session.flush()
    return db.session.execute(sa.delete(model).where(model.user_id == user.id)
                              .execution_options(synchronize_session=False)).rowcount


def _ids(model, user) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).where(model.user_id == user.id)))


def register() -> None:
    personal_data.register(
        "profile", tables=("profiles", "profile_heritage_countries", "profile_languages", "profile_skills"),
        export=export_profile, erase=erase_profile, order=30,
        erased=_l("Your profile: your cadre and specialty, where you live, your countries of heritage, your "
                  "languages and skills, your plans to return and your choice to appear in directories."))
    personal_data.register(
        "credentials", tables=("credentials",), export=export_credentials,
        erase=lambda user: _delete(Credential, user),
        audit_refs=lambda user: {"credentials": _ids(Credential, user)}, order=30,
        erased=_l("Your qualifications and responsibilities, with their evidence."))
    personal_data.register(
        "availability", tables=("availabilities",), export=export_availability,
        erase=lambda user: _delete(Availability, user),
        audit_refs=lambda user: {"availabilities": _ids(Availability, user)}, order=30,
        erased=_l("Your availability."))
    personal_data.register(
        "desk_sharing", tables=("desk_sharing_consents",), export=export_sharing,
        erase=lambda user: _delete(DeskSharingConsent, user), order=30,
        erased=_l("Your choices about sharing your profile with ministry desks."))
    personal_data.not_personal("skills", "shared tags; those only an erased member used are dropped with "
                                         "their profile")
