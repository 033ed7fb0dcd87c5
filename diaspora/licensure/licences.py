"""A member's licences and CPD: add, change, remove; CPD logged directly; progress against
each licence's current cycle; whom they let see their licences."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from diaspora.associations.models import Association, Membership
from diaspora.contributions.models import Contribution, ContributionStatus
from diaspora.core import audit
from diaspora.core.domain import DomainError, check_version
from diaspora.core.files import UploadError, store_upload
from diaspora.core.i18n import _
from diaspora.core.models import StoredFile
from diaspora.core.time import today, utcnow
from diaspora.extensions import db
from diaspora.licensure import units
from diaspora.licensure.models import CATEGORIES, CpdActivity, Licence, LicenceSharing, Regulator
from diaspora.licensure.units import ACTIVITY_UNITS, CpdUnit, unit_of

LICENCE_FIELDS = ("regulator_id", "registration_number", "category", "issued_on", "expires_on", "reminders")
EARLIEST = date(1950, 1, 1)


# ---------------------------------------------------------------------------- reading


def licences_of(user_id: int) -> list[Licence]:
    return list(db.session.scalars(
        sa.select(Licence).where(Licence.user_id == user_id)
        .options(joinedload(Licence.regulator), joinedload(Licence.certificate))
        .order_by(Licence.expires_on.is_(None), Licence.expires_on, Licence.id)))


def regulators() -> list[Regulator]:
    return list(db.session.scalars(sa.select(Regulator).order_by(Regulator.country, Regulator.name)))


def activities_of(user_id: int) -> list[CpdActivity]:
    return list(db.session.scalars(sa.select(CpdActivity).where(CpdActivity.user_id == user_id)
                                   .order_by(CpdActivity.completed_on.desc(), CpdActivity.id.desc())))


# ---------------------------------------------------------------------------- licences


def _clean(values: dict) -> dict:
    cleaned = {name: values.get(name) for name in LICENCE_FIELDS}
    cleaned["registration_number"] = (cleaned["registration_number"] or "").strip()
    if db.session.get(Regulator, cleaned["regulator_id"] or 0) is None:
        raise DomainError(_("Choose the regulator from the list."), field="regulator_id")
    if not cleaned["registration_number"]:
        raise DomainError(_("Enter your registration number."), field="registration_number")
    if cleaned["category"] not in CATEGORIES:
        raise DomainError(_("Choose full, provisional or temporary."), field="category")
    issued, expires = cleaned["issued_on"], cleaned["expires_on"]
    if issued is not None and not EARLIEST <= issued <= today():
        raise DomainError(_("The date it was issued must be today or earlier."), field="issued_on")
    if expires is not None and issued is not None and expires < issued:
        raise DomainError(_("The expiry date must be after the date it was issued."), field="expires_on")
    cleaned["reminders"] = bool(cleaned["reminders"])
    return cleaned


def _certificate(user, upload: FileStorage | None) -> StoredFile | None:
    if upload is None or not upload.filename:
        return None
    try:
        return store_upload(upload, user)
    except UploadError as error:
        raise DomainError(str(error), field="certificate") from error


def _changes(licence: Licence) -> dict:
    return {name: (value.isoformat() if isinstance(value, date) else value)
            for name in LICENCE_FIELDS if (value := getattr(licence, name)) is not None}


def add_licence(user, values: dict, certificate: FileStorage | None = None) -> Licence:
    cleaned = _clean(values)
    stored = _certificate(user, certificate)
    licence = Licence(user_id=user.id, certificate_id=stored.id if stored else None, **cleaned)
    db.session.add(licence)
    db.session.flush()
    audit.record("licence.added", licence, actor=user, changes=_changes(licence))
    return licence


def update_licence(user, licence: Licence, values: dict, version, certificate: FileStorage | None = None) -> None:
    check_version(licence, version)
    cleaned = _clean(values)
    before = _changes(licence)
    stored = _certificate(user, certificate)
    old_certificate = licence.certificate_id if stored else None
    for name, value in cleaned.items():
        setattr(licence, name, value)
    if stored:
        licence.certificate_id = stored.id
    db.session.flush()
    if old_certificate:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id == old_certificate))
    after = _changes(licence)
    audit.record("licence.changed", licence, actor=user, changes={
        name: {"from": before.get(name), "to": after.get(name)} for name in LICENCE_FIELDS
        if before.get(name) != after.get(name)} | ({"certificate": "replaced"} if stored else {}))


def delete_licence(user, licence: Licence) -> None:
    audit.record("licence.deleted", licence, actor=user, changes={"registration_number": licence.registration_number})
    certificate_id = licence.certificate_id
    db.session.delete(licence)
    db.session.flush()
    if certificate_id:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id == certificate_id))


def certificate_of(licence: Licence) -> StoredFile | None:
    if licence.certificate_id is None:
        return None
    return db.session.scalar(sa.select(StoredFile).where(StoredFile.id == licence.certificate_id)
                             .options(sa.orm.undefer(StoredFile.data)))


# ---------------------------------------------------------------------------- CPD


def log_activity(user, *, title: str, provider: str | None, completed_on: date | None, hours: float | None,
                 amount: float | None, unit: str | None, evidence: FileStorage | None = None) -> CpdActivity:
    """Log CPD done outside the platform: the hours it took, the CPD its certificate gives (an
    amount in points, credits or units), or both."""
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Enter what the activity was."), field="title")
    if completed_on is None or not EARLIEST <= completed_on <= today():
        raise DomainError(_("Enter the day you completed it: today or earlier."), field="completed_on")
    if hours is not None and hours < 0:
        raise DomainError(_("Enter hours from 0 to 1,000."), field="hours")
    if amount is not None and amount < 0:
        raise DomainError(_("Enter the CPD it gave as a number, like 2."), field="amount")
    if hours is None and amount is None:
        raise DomainError(_("Enter the hours it took, the CPD it gave, or both."), field="hours")
    unit = unit_of(unit) if amount is not None else None
    if amount is not None and unit not in ACTIVITY_UNITS:
        raise DomainError(_("Choose what the CPD it gave is counted in: points, credits or units."), field="unit")
    stored = None
    if evidence is not None and evidence.filename:
        try:
            stored = store_upload(evidence, user)
        except UploadError as error:
            raise DomainError(str(error), field="evidence") from error
    activity = CpdActivity(user_id=user.id, title=title, provider=(provider or "").strip() or None,
                           completed_on=completed_on, hours=hours, amount=amount, unit=unit,
                           evidence_id=stored.id if stored else None)
    db.session.add(activity)
    db.session.flush()
    audit.record("cpd.logged", activity, actor=user, changes={
        "title": title, "hours": hours, "amount": amount, "unit": unit, "completed_on": completed_on.isoformat()})
    return activity


def delete_activity(user, activity: CpdActivity) -> None:
    audit.record("cpd.deleted", activity, actor=user, changes={"title": activity.title})
    evidence_id = activity.evidence_id
    db.session.delete(activity)
    db.session.flush()
    if evidence_id:
        db.session.execute(sa.delete(StoredFile).where(StoredFile.id == evidence_id))


@dataclass
class CpdItem:
    """One thing that may count towards a cycle: a CPD activity, or a verified contribution.
    It gives what it carries: its hours, and an amount in a unit (a contribution's CPD points)."""

    title: str
    day: date
    hours: float | None
    amount: float | None
    unit: CpdUnit | None
    verifier: str | None = None
    contribution: Contribution | None = None

    def given_in(self, unit: CpdUnit) -> float | None:
        """What it gives in `unit` itself, without converting: None when it gives none."""
        given = {}
        if self.hours:
            given[CpdUnit.HOURS] = self.hours
        if self.amount and self.unit:
            given[self.unit] = self.amount
        return given.get(unit)


def counted_in(item: CpdItem, unit: CpdUnit | None, hours_per_unit: float | None) -> float | None:
    """What `item` counts for in the regulator's unit: what it gives in that unit, else its hours
    through the conversion the regulator's source gives; None when it cannot be counted (an
    unknown unit, or nothing given in it and no conversion). Rounded to the hundredth shown."""
    if unit is None:
        return None
    value = item.given_in(unit)
    if value is None and hours_per_unit and item.hours:
        value = item.hours / hours_per_unit
    return None if value is None else round(value, 2)


@dataclass
class CpdRow:
    item: CpdItem
    counted: float | None  # in the regulator's unit; None: listed, not counted


@dataclass
class Progress:
    """A licence's CPD in its current cycle, in its regulator's unit only."""

    licence: Licence
    cycle: tuple[date, date] | None
    rows: list[CpdRow] = field(default_factory=list)

    @property
    def regulator(self) -> Regulator:
        return self.licence.regulator

    @property
    def unit(self) -> CpdUnit | None:
        return self.regulator.unit

    @property
    def items(self) -> list[CpdItem]:
        return [row.item for row in self.rows]

    @property
    def counted(self) -> float:
        """The sum of the rows' counted amounts, exactly as each row shows it."""
        return round(sum(row.counted for row in self.rows if row.counted is not None), 2)

    @property
    def not_counted(self) -> list[CpdRow]:
        return [row for row in self.rows if row.counted is None]

    @property
    def required(self) -> float | None:
        """The regulator's requirement, when both its amount and its unit are known."""
        return self.regulator.cpd_required_per_cycle if self.unit else None

    @property
    def missing(self) -> float | None:
        return None if self.required is None else max(0.0, round(self.required - self.counted, 2))

    @property
    def percent(self) -> int | None:
        if not self.required:
            return None
        return min(100, round(100 * self.counted / self.required))

    # The sentences the pages and the renewal pack show (units.py: one template per unit).

    def counted_sentence(self) -> str:
        return units.counted(self.unit, self.counted)

    def of_required_sentence(self) -> str:
        return units.of_required(self.unit, self.counted, self.required)

    def missing_sentence(self) -> str:
        return units.missing(self.unit, self.missing, self.required)

    def met_sentence(self) -> str:
        return units.met(self.unit, self.required)

    def not_counted_sentence(self) -> str:
        return units.not_counted(self.unit, len(self.not_counted))


def _activities(user_id: int, first: date, last: date) -> list[CpdItem]:
    return [CpdItem(a.title, a.completed_on, a.hours, a.amount, unit_of(a.unit)) for a in db.session.scalars(
        sa.select(CpdActivity).where(CpdActivity.user_id == user_id, CpdActivity.completed_on.between(first, last)))]


def _verified_contributions(user_id: int, first: date, last: date) -> list[CpdItem]:
    """The member's verified contributions that give hours or CPD points, dated by their last day."""
    day = sa.func.coalesce(Contribution.ends_on, Contribution.starts_on)
    return [CpdItem(c.title, c.ends_on or c.starts_on, c.hours, c.cpd_points, CpdUnit.POINTS,
                    verifier=c.association.name if c.association else None, contribution=c)
            for c in db.session.scalars(
                sa.select(Contribution).options(joinedload(Contribution.association))
                .where(Contribution.user_id == user_id, Contribution.status == ContributionStatus.VERIFIED,
                       sa.or_(Contribution.cpd_points > 0, Contribution.hours > 0), day.between(first, last)))]


def progress_of(user_id: int, licences: list[Licence]) -> dict[int, Progress]:
    """Each licence's CPD in its current cycle, in its regulator's unit: two queries whatever the
    number of licences (every activity and verified contribution of the member giving hours or
    points, then placed in each cycle it falls in — one activity counts for every licence whose
    cycle holds it, in each regulator's own unit)."""
    cycles = {licence.id: licence.cycle() for licence in licences}
    spans = [cycle for cycle in cycles.values() if cycle]
    progress = {licence.id: Progress(licence, cycles[licence.id]) for licence in licences}
    if not spans:
        return progress
    first, last = min(c[0] for c in spans), max(c[1] for c in spans)
    items = _activities(user_id, first, last) + _verified_contributions(user_id, first, last)
    items.sort(key=lambda item: (item.day, item.title))
    for licence in licences:
        cycle, regulator = cycles[licence.id], licence.regulator
        if cycle:
            progress[licence.id].rows = [
                CpdRow(item, counted_in(item, regulator.unit, regulator.cpd_hours_per_unit))
                for item in items if cycle[0] <= item.day <= cycle[1]]
    return progress


# ---------------------------------------------------------------------------- sharing


def sharing_of(user_id: int) -> list[tuple[Association, bool]]:
    """The associations the member is active in, and whether their officers see the licences."""
    rows = db.session.execute(
        sa.select(Association, LicenceSharing.shared).join(Membership, Membership.association_id == Association.id)
        .outerjoin(LicenceSharing, sa.and_(LicenceSharing.association_id == Association.id,
                                           LicenceSharing.user_id == user_id))
        .where(Membership.user_id == user_id, Membership.status == Membership.ACTIVE).order_by(Association.name))
    return [(association, bool(shared)) for association, shared in rows]


def choose_sharing(user, choices: dict[int, bool]) -> int:
    """Save the member's choice per association; returns how many changed."""
    current = {association.id: shared for association, shared in sharing_of(user.id)}
    changed = 0
    for association_id, shared in choices.items():
        if association_id not in current or current[association_id] == shared:
            continue
        row = db.session.get(LicenceSharing, (user.id, association_id))
        if row is None:
            row = LicenceSharing(user_id=user.id, association_id=association_id)
            db.session.add(row)
        row.shared, row.changed_at = shared, utcnow()
        changed += 1
        audit.record("licence.sharing_changed", None, actor=user, subject=user,
                     changes={"association_id": association_id, "shared": shared})
    db.session.flush()
    return changed
