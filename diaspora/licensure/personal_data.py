"""What licensure holds about a person, for export and erasure: licences (with certificates),
CPD activities (with evidence), reminders sent, the calendar feed and sharing choices."""

import sqlalchemy as sa

from diaspora.core import personal_data
from diaspora.core.i18n import _l
from diaspora.core.models import StoredFile
from diaspora.extensions import db
from diaspora.licensure import licences
from diaspora.licensure.models import (
    CpdActivity,
    Licence,
    LicenceFeed,
    LicenceReminder,
    LicenceSharing,
    SharedLicence,
)


def _iso(value):
    return value.isoformat() if value is not None else None


def export_licences(user) -> list[dict]:
    return [{"regulator": f"{lic.regulator.name} ({lic.regulator.country})",
             "registration_number": lic.registration_number, "category": lic.category,
             "issued_on": _iso(lic.issued_on), "expires_on": _iso(lic.expires_on), "reminders": lic.reminders,
             "certificate": None if lic.certificate is None else {"filename": lic.certificate.filename,
                                                                   "size": lic.certificate.size}}
            for lic in licences.licences_of(user.id)]


def export_cpd(user) -> list[dict]:
    return [{"title": a.title, "provider": a.provider, "completed_on": _iso(a.completed_on), "hours": a.hours,
             "amount": a.amount, "unit": a.unit} for a in licences.activities_of(user.id)]


def export_choices(user) -> dict:
    feed = db.session.get(LicenceFeed, user.id)
    return {"calendar_feed_since": _iso(feed.created_at) if feed else None,
            "shared_with": [{"association": a.name, "shared": shared} for a, shared in licences.sharing_of(user.id)]}


def erase_licensure(user) -> int:
    db.session.flush()
    files = [row for row in db.session.scalars(sa.select(Licence.certificate_id).where(
        Licence.user_id == user.id, Licence.certificate_id.is_not(None)))]
    files += [row for row in db.session.scalars(sa.select(CpdActivity.evidence_id).where(
        CpdActivity.user_id == user.id, CpdActivity.evidence_id.is_not(None)))]
    mine = sa.select(Licence.id).where(Licence.user_id == user.id)
    removed = db.session.execute(sa.delete(LicenceReminder).where(LicenceReminder.licence_id.in_(mine))).rowcount
    # The triggers empty shared_licences as the licences and choices go; deleting it as well
    # leaves nothing behind even without them.
    for model in (Licence, CpdActivity, LicenceFeed, LicenceSharing, SharedLicence):
        removed += db.session.execute(sa.delete(model).where(model.user_id == user.id)
                                      .execution_options(synchronize_session=False)).rowcount
    if files:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id.in_(files)))
    return removed


def register() -> None:
    personal_data.register(
        # shared_licences is a copy kept by triggers (what the associations' officers see of the
        # licences shared with them); it is exported as the licences and choices it comes from.
        "licences", tables=("licences", "licence_reminders", "cpd_activities", "licence_feeds", "licence_sharing",
                            "shared_licences"),
        export=lambda user: {"licences": export_licences(user), "cpd_activities": export_cpd(user),
                             **export_choices(user)},
        erase=erase_licensure, order=30,
        erased=_l("Your licences with their certificates, your CPD activities with their evidence, the licence "
                  "reminders, your calendar feed and your choices about sharing your licences: the associations "
                  "you shared them with no longer see or count them."),
        audit_refs=lambda user: {
            "licences": list(db.session.scalars(sa.select(Licence.id).where(Licence.user_id == user.id))),
            "cpd_activities": list(db.session.scalars(sa.select(CpdActivity.id).where(
                CpdActivity.user_id == user.id)))})
    personal_data.not_personal("regulators", "the catalogue of regulators")
    personal_data.not_personal("safeguard_countries", "the WHO safeguard list")
    personal_data.not_personal("shared_licence_counts", "anonymous counts per association")
