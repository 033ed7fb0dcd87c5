"""A member's own contributions: log, change, send for verification, withdraw, reopen, and
their evidence files. Every status change goes through `move`: the state machine, the rule that
nobody decides on their own contribution, the rollups (every change into or out of
"verified") and the audit trail. A public link and its credential begin and end together
(`open_link`, `close_link`)."""

import secrets
from datetime import date

import pycountry
import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer
from werkzeug.datastructures import FileStorage

from diaspora.associations.models import Association, Membership
from diaspora.contributions.impact import rollups
from diaspora.contributions.models import (
    CONTRIBUTION_STATES,
    DECISIONS,
    KINDS,
    MODES,
    OWN_DECISION_REFUSAL,
    SHAREABLE_FIELDS,
    Contribution,
    ContributionEvidence,
    ContributionStatus,
    RevocationReason,
)
from diaspora.contributions.proof import credentials
from diaspora.core import audit
from diaspora.core.domain import DomainError, check_version
from diaspora.core.files import UploadError, store_upload
from diaspora.core.i18n import _
from diaspora.core.models import StoredFile
from diaspora.core.time import today, utcnow
from diaspora.extensions import db

FIELDS = ("kind", "title", "description", "country", "region", "partner", "starts_on", "ends_on", "hours",
          "participatory_hours", "mode", "people_trained", "patients_reached", "supplies_value", "currency",
          "cpd_points", "reflection")
MAX_EVIDENCE = 5
EARLIEST = date(1980, 1, 1)


# ---------------------------------------------------------------------------- rules


def _problem(values: dict) -> tuple[str, str] | None:
    """(field, message) for the first value that cannot be kept, else None."""
    if values.get("kind") not in KINDS:
        return "kind", _("Choose what kind of contribution this was.")
    if not (values.get("title") or "").strip():
        return "title", _("Enter a title.")
    country, region = values.get("country"), values.get("region")
    if country and pycountry.countries.get(alpha_2=country) is None:
        return "country", _("Choose a country from the list.")
    if region:
        subdivision = pycountry.subdivisions.get(code=region)
        if subdivision is None or not country or subdivision.country_code != country:
            return "region", _("Choose a region of the country you chose.")
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if starts_on is None:
        return "starts_on", _("Enter the day it started.")
    if not EARLIEST <= starts_on <= today():
        return "starts_on", _("The first day must be today or earlier.")
    if ends_on is not None and ends_on < starts_on:
        return "ends_on", _("The last day must be the same as or after the first day.")
    if ends_on is not None and ends_on > today():
        return "ends_on", _("The last day must be today or earlier: log a contribution once it has happened.")
    hours, participatory = values.get("hours"), values.get("participatory_hours")
    if participatory is not None and (hours is None or participatory > hours):
        return "participatory_hours", _("Participatory hours cannot be more than the hours in all.")
    if values.get("mode") and values["mode"] not in MODES:
        return "mode", _("Choose in person, remote or hybrid.")
    if values.get("supplies_value") and not values.get("currency"):
        return "currency", _("Choose the currency of the value of the supplies.")
    if values.get("currency") and pycountry.currencies.get(alpha_3=values["currency"]) is None:
        return "currency", _("Choose a currency from the list.")
    return None


def _clean(values: dict) -> dict:
    cleaned = {name: values.get(name) for name in FIELDS}
    for name in ("title", "description", "partner", "reflection"):
        cleaned[name] = (cleaned[name] or "").strip() or None
    for name in ("country", "region", "currency"):
        cleaned[name] = (cleaned[name] or "").strip().upper() or None
    cleaned["mode"] = cleaned["mode"] or None
    problem = _problem(cleaned)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    return cleaned


def _changes(contribution: Contribution, names) -> dict:
    return {name: (value.isoformat() if isinstance(value, date) else value)
            for name in names if (value := getattr(contribution, name)) is not None}


# ---------------------------------------------------------------------------- reading


def contribution_with_evidence(contribution_id: int) -> Contribution | None:
    return db.session.scalar(sa.select(Contribution).where(Contribution.id == contribution_id)
                             .options(selectinload(Contribution.evidence).joinedload(ContributionEvidence.file)))


def evidence_file(evidence: ContributionEvidence) -> StoredFile | None:
    return db.session.scalar(sa.select(StoredFile).where(StoredFile.id == evidence.file_id)
                             .options(undefer(StoredFile.data)))


def associations_to_verify(user) -> list[Association]:
    """The associations a member may send a contribution to: those where they are active."""
    return list(db.session.scalars(
        sa.select(Association).join(Membership)
        .where(Membership.user_id == user.id, Membership.status == Membership.ACTIVE)
        .order_by(Association.name)))


# ---------------------------------------------------------------------------- changes


def log(user, values: dict, evidence: list[FileStorage] | None = None) -> Contribution:
    cleaned = _clean(values)
    contribution = Contribution(user_id=user.id, status=ContributionStatus.DRAFT, **cleaned)
    db.session.add(contribution)
    db.session.flush()
    _attach(user, contribution, evidence or [])
    audit.record("contribution.logged", contribution, actor=user, changes=_changes(contribution, FIELDS))
    return contribution


def update(user, contribution: Contribution, values: dict, version, evidence: list[FileStorage] | None = None
           ) -> Contribution:
    CONTRIBUTION_STATES.check("edit", contribution.status)
    check_version(contribution, version)
    cleaned = _clean(values)
    before = _changes(contribution, FIELDS)
    for name, value in cleaned.items():
        setattr(contribution, name, value)
    _attach(user, contribution, evidence or [])
    db.session.flush()
    after = _changes(contribution, FIELDS)
    audit.record("contribution.changed", contribution, actor=user, changes={
        name: {"from": before.get(name), "to": after.get(name)}
        for name in FIELDS if before.get(name) != after.get(name)})
    return contribution


def _attach(user, contribution: Contribution, uploads: list[FileStorage]) -> None:
    uploads = [upload for upload in uploads if upload is not None and upload.filename]
    if len(contribution.evidence) + len(uploads) > MAX_EVIDENCE:
        raise DomainError(_("A contribution can have at most %(count)d evidence files.", count=MAX_EVIDENCE),
                          field="evidence")
    for upload in uploads:
        try:
            stored = store_upload(upload, user)
        except UploadError as error:
            raise DomainError(str(error), field="evidence") from error
        contribution.evidence.append(ContributionEvidence(file_id=stored.id))
    db.session.flush()


def remove_evidence(user, contribution: Contribution, evidence: ContributionEvidence) -> None:
    CONTRIBUTION_STATES.check("edit", contribution.status)
    audit.record("contribution.evidence_removed", contribution, actor=user,
                 changes={"evidence": evidence.file.filename})
    file_id = evidence.file_id
    contribution.evidence.remove(evidence)
    db.session.flush()
    db.session.execute(sa.delete(StoredFile).where(StoredFile.id == file_id))


def is_own(actor, member_id: int | None) -> bool:
    """Whether a contribution of `member_id` would be `actor`'s own. The one rule: nobody takes
    an officer's decision (`DECISIONS`) on their own contribution. `move` enforces it; pages
    and mission reports ask it."""
    return member_id is not None and member_id == getattr(actor, "id", None)


def may_decide(actor, contribution: Contribution) -> bool:
    return not is_own(actor, contribution.user_id)


def check_decision(actor, contribution: Contribution, action: str) -> None:
    CONTRIBUTION_STATES.check(action, contribution.status)
    if action in DECISIONS and not may_decide(actor, contribution):
        raise DomainError(str(OWN_DECISION_REFUSAL))


def move(contribution: Contribution, action: str, *, actor, changes: dict | None = None) -> None:
    """The one way a contribution changes status: the machine, the rule that nobody decides
    on their own contribution, the rollups, the audit trail. It refuses before changing
    anything."""
    check_decision(actor, contribution, action)
    was_verified = contribution.is_verified
    old, new = CONTRIBUTION_STATES.apply(contribution, action)
    if was_verified and not contribution.is_verified:
        rollups.count_out(contribution)
    if contribution.is_verified and not was_verified:
        rollups.count_in(contribution)
    db.session.flush()
    audit.record(f"contribution.{action}", contribution, actor=actor,
                 changes={"status": {"from": old, "to": new}, **(changes or {})})


def submit(user, contribution: Contribution, association: Association | None, version=None) -> None:
    CONTRIBUTION_STATES.check("submit", contribution.status)
    if version is not None:
        check_version(contribution, version)
    if association is None or association.id not in {a.id for a in associations_to_verify(user)}:
        raise DomainError(_("Choose one of your associations to verify it."), field="association_id")
    contribution.association_id = association.id
    contribution.submitted_at = utcnow()
    contribution.return_reason = None
    move(contribution, "submit", actor=user, changes={"association_id": association.id})


def withdraw(user, contribution: Contribution) -> None:
    move(contribution, "withdraw", actor=user)


def reopen(user, contribution: Contribution) -> None:
    """Asking to change a verified contribution: it leaves the verified totals, its public link
    and its credential stop working, and it must be sent for verification again."""
    move(contribution, "reopen", actor=user)
    unverified(contribution, RevocationReason.REOPENED)


def unverified(contribution: Contribution, reason: RevocationReason) -> None:
    """What follows a contribution out of "verified" (after `move`): who verified it and when
    are forgotten, its link and its credential end."""
    contribution.verified_at = None
    contribution.verified_by_id = None
    close_link(contribution, reason)


def delete(user, contribution: Contribution) -> None:
    """A draft or a withdrawn contribution may be deleted outright, with its evidence."""
    if contribution.status not in (ContributionStatus.DRAFT, ContributionStatus.WITHDRAWN):
        raise DomainError(_("Only a draft or a withdrawn contribution can be deleted."))
    audit.record("contribution.deleted", contribution, actor=user, changes={"title": contribution.title})
    file_ids = [evidence.file_id for evidence in contribution.evidence]
    credentials.detach(contribution)
    db.session.delete(contribution)
    db.session.flush()
    if file_ids:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id.in_(file_ids)))


# ---------------------------------------------------------------------------- public link


def new_public_token() -> str:
    return secrets.token_urlsafe(32)


def open_link(contribution: Contribution) -> None:
    """A new public link for a verified contribution, and the credential that names it."""
    contribution.public_token = new_public_token()
    contribution.public_revoked_at = None
    db.session.flush()
    credentials.issue(contribution)


def close_link(contribution: Contribution, reason: RevocationReason) -> None:
    """The public link stops working and its credential is revoked (a no-op when it has none)."""
    if contribution.public_token and contribution.public_revoked_at is None:
        contribution.public_revoked_at = utcnow()
    db.session.flush()
    credentials.revoke(contribution, reason)


def choose_shared(user, contribution: Contribution, fields: list[str]) -> None:
    chosen = [name for name in SHAREABLE_FIELDS if name in fields]
    audit.record("contribution.sharing_changed", contribution, actor=user,
                 changes={"from": contribution.shared_fields, "to": chosen})
    contribution.shared_fields = chosen
    db.session.flush()


def revoke_link(user, contribution: Contribution) -> None:
    if not contribution.is_public:
        raise DomainError(_("This contribution has no public link to revoke."))
    close_link(contribution, RevocationReason.LINK_REVOKED)
    audit.record("contribution.link_revoked", contribution, actor=user)


def renew_link(user, contribution: Contribution) -> None:
    """A new link (the old one stays revoked): for a member who revoked one by mistake or
    gave it to the wrong person."""
    if not contribution.is_verified:
        raise DomainError(_("Only a verified contribution has a public link."))
    close_link(contribution, RevocationReason.LINK_RENEWED)
    open_link(contribution)
    audit.record("contribution.link_renewed", contribution, actor=user)
