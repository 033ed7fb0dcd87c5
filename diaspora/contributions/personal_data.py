"""What contributions hold about a person, for export and erasure (core/personal_data.py).

On erasure a verified contribution stays, without its member, its free text, its evidence or
its public link: the association's and the country's totals stay true. Everything else of
theirs (drafts, returned, withdrawn, awaiting verification) goes, and so do their team places.
Every credential issued to them is revoked and stays, without them or their contribution, so
that its status still answers; the identifier their credentials named them by goes."""

import sqlalchemy as sa

from diaspora.contributions.models import Contribution, ContributionEvidence, ContributionStatus, MissionMember
from diaspora.contributions.proof import credentials
from diaspora.core import personal_data
from diaspora.core.i18n import _l
from diaspora.core.models import StoredFile
from diaspora.extensions import db

FREE_TEXT = {"title": "", "description": None, "partner": None, "reflection": None, "return_reason": None,
             "public_token": None, "public_revoked_at": None, "shared_fields": None}


def _iso(value):
    return value.isoformat() if value is not None else None


def export_contributions(user) -> list[dict]:
    rows = db.session.scalars(sa.select(Contribution).where(Contribution.user_id == user.id)
                              .order_by(Contribution.starts_on, Contribution.id))
    return [{
        "kind": c.kind, "title": c.title, "description": c.description, "country": c.country, "region": c.region,
        "partner": c.partner, "starts_on": _iso(c.starts_on), "ends_on": _iso(c.ends_on), "hours": c.hours,
        "participatory_hours": c.participatory_hours, "mode": c.mode, "people_trained": c.people_trained,
        "patients_reached": c.patients_reached, "supplies_value": c.supplies_value, "currency": c.currency,
        "cpd_points": c.cpd_points, "reflection": c.reflection, "status": c.status,
        "return_reason": c.return_reason, "submitted_at": _iso(c.submitted_at), "verified_at": _iso(c.verified_at),
        "association": c.association.name if c.association else None, "shared_fields": c.shared_fields,
        "evidence": [{"filename": e.file.filename, "size": e.file.size} for e in c.evidence],
    } for c in rows]


def erase_contributions(user) -> int:
    db.session.flush()
    ids = list(db.session.scalars(sa.select(Contribution.id).where(Contribution.user_id == user.id)))
    if not ids:
        return 0
    file_ids = list(db.session.scalars(sa.select(ContributionEvidence.file_id)
                                       .where(ContributionEvidence.contribution_id.in_(ids))))
    db.session.execute(sa.delete(ContributionEvidence).where(ContributionEvidence.contribution_id.in_(ids)))
    if file_ids:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id.in_(file_ids)))
    mine = Contribution.user_id == user.id
    db.session.execute(sa.delete(Contribution).where(mine, Contribution.status != ContributionStatus.VERIFIED)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(Contribution).where(mine).values(user_id=None, **FREE_TEXT)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(Contribution).where(Contribution.verified_by_id == user.id)
                       .values(verified_by_id=None).execution_options(synchronize_session=False))
    db.session.expire_all()
    return len(ids)


def export_places(user) -> list[dict]:
    rows = db.session.scalars(sa.select(MissionMember).where(MissionMember.user_id == user.id)
                              .order_by(MissionMember.id))
    return [{"mission": p.mission.title, "role": p.role, "status": p.status, "took_part": p.took_part,
             "invited_at": _iso(p.created_at)} for p in rows]


def erase_places(user) -> int:
    db.session.flush()
    return db.session.execute(sa.delete(MissionMember).where(MissionMember.user_id == user.id)
                              .execution_options(synchronize_session=False)).rowcount


def register() -> None:
    personal_data.register(
        "contribution credentials", tables=("issued_credentials", "credential_subjects"),
        export=credentials.export_of, erase=credentials.erase, order=24,
        erased=_l("The identifier your Open Badges credentials name you by, and which contribution each "
                  "credential was issued for."),
        kept=_l("A revoked mark for each credential issued to you, without your name or the contribution: a "
                "verifier who checks an old credential is told it is revoked, never that it is unknown."))
    personal_data.register(
        "contributions", tables=("contributions", "contribution_evidence"), export=export_contributions,
        erase=erase_contributions, order=25,
        erased=_l("Your contributions that were not verified (drafts, returned, withdrawn or awaiting "
                  "verification), with their evidence. The public links of your verified contributions stop "
                  "working, and the Open Badges credentials issued for them are revoked: anyone who checks one "
                  "sees that it is revoked."),
        kept=_l("Your verified contributions stay, without your name, what you wrote, their evidence or their "
                "public link, so the totals of your associations and of each country stay true."),
        audit_refs=lambda user: {"contributions": list(db.session.scalars(
            sa.select(Contribution.id).where(Contribution.user_id == user.id)))})
    personal_data.register("mission places", tables=("mission_members",), export=export_places,
                           erase=erase_places, order=25, erased=_l("Your places on mission teams."))
    personal_data.not_personal("missions", "an association's missions; the places on their teams are the members'")
    personal_data.not_personal("partnerships", "an association's partners")
    personal_data.not_personal("contribution_rollups", "anonymous totals per association")
    personal_data.not_personal("country_contribution_rollups", "anonymous totals per country")
