"""A member's profile: what ministries and missions need to know about a health worker,
and the member's own choices about who may see it."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diaspora.core.i18n import _l
from diaspora.core.time import utcnow
from diaspora.extensions import db

CADRES = {
    "doctor": _l("Doctor"),
    "nurse": _l("Nurse"),
    "midwife": _l("Midwife"),
    "pharmacist": _l("Pharmacist"),
    "dentist": _l("Dentist"),
    "allied_health": _l("Allied health professional"),
    "laboratory_scientist": _l("Laboratory scientist"),
    "public_health": _l("Public health professional"),
    "community_health": _l("Community health worker"),
    "other": _l("Other"),
}
RETURN_INTERESTS = {
    "none": _l("Not at the moment"),
    "short_missions": _l("Short missions"),
    "extended_placement": _l("An extended placement"),
    "permanent_return": _l("Returning for good"),
}
RETURN_HORIZONS = {
    "within_1_year": _l("Within a year"),
    "1_to_3_years": _l("In 1 to 3 years"),
    "3_to_5_years": _l("In 3 to 5 years"),
    "over_5_years": _l("In more than 5 years"),
}
AVAILABILITY_MODES = {"in_person": _l("In person"), "remote": _l("Remotely"), "either": _l("In person or remotely")}
CREDENTIAL_KINDS = {"qualification": _l("Qualification"), "responsibility": _l("Responsibility")}


class Profile(db.Model):
    __tablename__ = "profiles"
    __table_args__ = (
        sa.Index("ix_profiles_specialty_trgm", "specialty", postgresql_using="gin",
                 postgresql_ops={"specialty": "gin_trgm_ops"}),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cadre: Mapped[str | None] = mapped_column(sa.String(30), index=True)
    specialty: Mapped[str | None] = mapped_column(sa.String(120))
    host_country: Mapped[str | None] = mapped_column(sa.String(2))
    host_city: Mapped[str | None] = mapped_column(sa.String(120))
    return_interest: Mapped[str] = mapped_column(sa.String(20), default="none")
    return_horizon: Mapped[str | None] = mapped_column(sa.String(20))
    directory_consent: Mapped[bool] = mapped_column(default=False)
    directory_consent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    user: Mapped["User"] = relationship(backref=sa.orm.backref("profile", uselist=False))  # noqa: F821
    heritage: Mapped[list["ProfileHeritageCountry"]] = relationship(
        cascade="all, delete-orphan", order_by="ProfileHeritageCountry.country"
    )
    languages: Mapped[list["ProfileLanguage"]] = relationship(
        cascade="all, delete-orphan", order_by="ProfileLanguage.language"
    )
    skills: Mapped[list["Skill"]] = relationship(secondary="profile_skills", order_by="Skill.name")

    @property
    def heritage_countries(self) -> list[str]:
        return [row.country for row in self.heritage]

    @property
    def cadre_label(self) -> str:
        return str(CADRES.get(self.cadre or "", ""))


class ProfileHeritageCountry(db.Model):
    __tablename__ = "profile_heritage_countries"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True, index=True)


class ProfileLanguage(db.Model):
    """A language the member works in: ISO 639-3 code."""

    __tablename__ = "profile_languages"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(sa.String(3), primary_key=True, index=True)


class Skill(db.Model):
    """A free tag, shared between members so that new ones can be suggested from it."""

    __tablename__ = "skills"
    __table_args__ = (
        sa.Index("ix_skills_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)


class ProfileSkill(db.Model):
    __tablename__ = "profile_skills"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Availability(db.Model):
    """A period when the member can take part in missions."""

    __tablename__ = "availabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    mode: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Credential(db.Model):
    """A qualification or responsibility gained in the host country, with evidence,
    so it can be recognised at home."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="qualification")
    title: Mapped[str] = mapped_column(sa.String(200))
    awarding_body: Mapped[str] = mapped_column(sa.String(200))
    year: Mapped[int]
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped["StoredFile | None"] = relationship()  # noqa: F821


class DeskSharingConsent(db.Model):
    """Whether the member shares their profile with the diaspora desk of one country.
    Withdrawing takes effect at once: desks read this row on every request.

    `updated_at` is when the member's record as that desk reads it last changed (this choice,
    their name, profile or licences: api/fhir_feed.py keeps it): the desk's FHIR feed pages on
    (country, updated_at, user_id), and a row no longer shared is a deletion in its history."""

    __tablename__ = "desk_sharing_consents"
    __table_args__ = (sa.Index("ix_desk_sharing_consents_country_shared", "country", "shared"),
                      sa.Index("ix_desk_sharing_consents_feed", "country", "updated_at", "user_id"))

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    shared: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.current_timestamp())
    # The member also lets that desk read their licences' registration numbers (only while they share).
    share_registration: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
