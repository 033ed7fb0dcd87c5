"""A member's choices about who may see their profile: the association directories, and the
diaspora desk of each heritage country. Each choice keeps its own timestamp; withdrawing takes
effect at once (desks and directories read these rows on every request)."""

from dataclasses import dataclass

import sqlalchemy as sa

from diaspora.core import audit
from diaspora.core.time import utcnow
from diaspora.extensions import db
from diaspora.members.models import DeskSharingConsent, Profile
from diaspora.members.profiles import load_profile


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

    def shares_registration_with(self, country: str) -> bool:
        row = self.desk.get(country)
        return bool(row and row.shared and row.share_registration)


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


def change_consents(user, *, directory: bool, desks: dict[str, bool], registration: dict[str, bool] | None = None
                    ) -> dict:
    """Record the member's choices. Only a choice that changes gets a new timestamp. Returns
    the changes ({} when nothing changed). `registration`: whether each desk may also read the
    licences' registration numbers (never without the profile; None keeps what was chosen)."""
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
        numbers = wanted and (bool(registration.get(country, False)) if registration is not None
                              else bool(row and row.share_registration))
        if wanted == consents.shares_with(country) and numbers == bool(row and row.share_registration):
            continue
        if row is None:
            row = DeskSharingConsent(user_id=user.id, country=country)
            db.session.add(row)
        if wanted != consents.shares_with(country):
            changes[f"desk:{country}"] = [not wanted, wanted]
        if numbers != bool(row.share_registration):
            changes[f"registration:{country}"] = [not numbers, numbers]
        row.shared = wanted
        row.share_registration = numbers
        row.changed_at = now
    if changes:
        db.session.flush()
        audit.record("consent.changed", user, actor=user, changes=changes)
    return changes


