"""What a registry reads of the members who share with a country's desk, as FHIR R4 resources
aligned with IHE mCSD (the profile OpenHIE health-worker registries use), and how it stays in
step.

* `desk_sharing_consents.updated_at` is when the record a desk reads of a member last changed:
  their choice to share (or to stop), their name, their profile, their heritage countries or
  their licences. `keep_in_step` (a session hook) sets it in the same transaction as the change,
  however it is made, for every desk the member has a choice about.
* A desk's feed is the rows of its country, in (updated_at, user_id) order on their index: the
  search (`_lastUpdated`) keeps the rows still shared from an active account; the history
  (`_since`) keeps every row, and one no longer shared (or whose account is closed) is a
  deletion. A page is one range read on the index, then the page's people, profiles and
  licences in one statement each: the same work on the millionth row as on the first.
* An association's export is its active members who chose to be seen in its directory.

Nothing here reads the request: the caller passes the country, the cursor and the page size."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from diaspora.auth.models import User
from diaspora.core.countries import country_name
from diaspora.core.pagination import Ordering, SortKey, paginate, paginate_kept
from diaspora.core.statements import bound, kept, one_of
from diaspora.core.time import today, utc_text, utcnow
from diaspora.extensions import db
from diaspora.licensure.models import Licence, LicenceStatus, Regulator, SharedLicence, status_on
from diaspora.members.models import CADRES, DeskSharingConsent, Profile, ProfileHeritageCountry
from diaspora.members.occupations import ISCO, ISCO_08

MCSD = "https://profiles.ihe.net/ITI/mCSD/StructureDefinition/"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
COUNTRY = "urn:iso:std:iso:3166"
EXTENSION = "https://diaspora-health.network/fhir/StructureDefinition/"
FEED = Ordering([
    SortKey(DeskSharingConsent.updated_at, lambda row: row.updated_at, kind=datetime),
    SortKey(DeskSharingConsent.user_id, lambda row: row.user_id, kind=int),
])
BY_MEMBER = Ordering([SortKey(User.id, lambda user: user.id, kind=int)])


# ---------------------------------------------------------------------------- keeping in step


def _touched_members(session: Session) -> set[int]:
    found = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Profile | ProfileHeritageCountry | Licence):
            found.add(obj.user_id)
        elif isinstance(obj, User) and obj.id is not None and session.is_modified(obj, include_collections=False):
            state = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in ("name", "active", "deleted_at")):
                found.add(obj.id)
    return {user_id for user_id in found if user_id is not None}


def _before_flush(session: Session, _context, _instances) -> None:
    now = utcnow()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, DeskSharingConsent):
            obj.updated_at = now
    members = _touched_members(session)
    if members:
        session.info.setdefault("fhir_feed_members", set()).update(members)


def _after_flush(session: Session, _context) -> None:
    members = session.info.pop("fhir_feed_members", None)
    if members:
        session.connection().execute(sa.update(DeskSharingConsent.__table__).where(
            DeskSharingConsent.__table__.c.user_id.in_(sorted(members))).values(updated_at=utcnow()))


def keep_in_step() -> None:
    """Every change to what a desk reads of a member moves their rows' `updated_at`."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)


# ---------------------------------------------------------------------------- the feeds


@dataclass
class Record:
    """One member as a registry reads them: `present` False is a deletion."""

    user_id: int
    updated_at: datetime
    present: bool
    name: str = ""
    profile: Any = None  # a Profile, or a row of the columns the resources show
    licences: list | None = None  # Licences, or `_Licence`s
    numbers: bool = False  # the member lets the reader see their registration numbers


def _feed(country: str, *, since: datetime | None, until: datetime | None, only_present: bool) -> sa.Select:
    row = DeskSharingConsent
    query = (sa.select(row.user_id, row.updated_at, row.shared, row.share_registration, User.active,
                       User.deleted_at, User.name)
             .join(User, User.id == row.user_id).where(row.country == country))
    if since is not None:
        query = query.where(row.updated_at >= since)
    if until is not None:
        query = query.where(row.updated_at < until)
    if only_present:
        query = query.where(row.shared.is_(True), User.active.is_(True), User.deleted_at.is_(None))
    return query


def _records(rows, country: str) -> list[Record]:
    records = [Record(user_id=r.user_id, updated_at=r.updated_at, name=r.name, numbers=bool(r.share_registration),
                      present=bool(r.shared and r.active and r.deleted_at is None)) for r in rows]
    present = [record.user_id for record in records if record.present]
    if present:
        # The few columns the resources show, as rows (not whole profiles, licences and
        # regulators as ORM objects), through statements kept per process (core/statements.py).
        values = {"user_ids": present, "country": country}
        profiles = {row.user_id: row for row in db.session.execute(kept("fhir_profiles", _profiles), values)}
        licences: dict[int, list[_Licence]] = {}
        for user_id, *licence, regulator_id, name, short_name in db.session.execute(
                kept("fhir_licences", _licences), values):
            licences.setdefault(user_id, []).append(_Licence(*licence, _Regulator(regulator_id, name, short_name)))
        for record in records:
            record.profile = profiles.get(record.user_id)
            record.licences = licences.get(record.user_id, [])
    return records


def _profiles() -> sa.Select:
    return (sa.select(Profile.user_id, Profile.cadre, Profile.specialty, Profile.host_country)
            .where(one_of(Profile.user_id, "user_ids")))


def _licences() -> sa.Select:
    return (sa.select(Licence.user_id, Licence.category, Licence.registration_number, Licence.issued_on,
                      Licence.expires_on, Regulator.id, Regulator.name, Regulator.short_name)
            .join(Regulator).where(one_of(Licence.user_id, "user_ids"),
                                   Regulator.country == bound("country", sa.String))
            .order_by(Licence.user_id, Licence.id))


@dataclass(slots=True)
class _Regulator:
    id: int
    name: str
    short_name: str


@dataclass(slots=True)
class _Licence:
    """What a Practitioner's qualification shows of a licence (as `Licence` has it)."""

    category: str
    registration_number: str | None
    issued_on: date | None
    expires_on: date | None
    regulator: _Regulator

    def status(self, day: date) -> LicenceStatus:
        return status_on(self.expires_on, day)


def desk_page(country: str, *, after: str | None, per_page: int, since: datetime | None = None,
              until: datetime | None = None, history: bool = False):
    """A page of the country's feed: (records, next cursor). The search (`history` False) keeps
    the members who share now; the history keeps deletions too."""
    def build() -> sa.Select:
        moment = DeskSharingConsent.updated_at.type
        return _feed(bound("country", sa.String), since=bound("since", moment) if since else None,
                     until=bound("until", moment) if until else None, only_present=not history)

    found = paginate_kept(_kept_pages, (since is not None, until is not None, history), build,
                          {"country": country, "since": since, "until": until}, FEED, after=after, per_page=per_page,
                          scalars=False)
    return _records(found.items, country), found.next_cursor


_kept_pages: dict = {}  # the feed's statements, per shape (`pagination.paginate_kept`)


def desk_record(country: str, user_id: int) -> Record | None:
    """One member as the country's desk reads them, or None unless they share with it now."""
    row = db.session.execute(_feed(country, since=None, until=None, only_present=True)
                             .where(DeskSharingConsent.user_id == user_id)).first()
    return _records([row], country)[0] if row is not None else None


def association_page(association, *, after: str | None, per_page: int):
    """A page of an association's active members who chose to be seen in its directory, with
    the licences they share with its officers."""
    from diaspora.associations.models import Membership

    query = (sa.select(User).join(Membership, Membership.user_id == User.id).join(Profile, Profile.user_id == User.id)
             .where(Membership.association_id == association.id, Membership.status == Membership.ACTIVE,
                    Profile.directory_consent.is_(True), User.active.is_(True), User.deleted_at.is_(None)))
    found = paginate(query, BY_MEMBER, after=after, per_page=per_page)
    ids = [user.id for user in found.items]
    profiles = {p.user_id: p for p in db.session.scalars(sa.select(Profile).where(Profile.user_id.in_(ids)))}
    licences: dict[int, list[Licence]] = {}
    for licence in db.session.scalars(
            sa.select(Licence).join(SharedLicence, SharedLicence.licence_id == Licence.id)
            .where(SharedLicence.association_id == association.id, SharedLicence.user_id.in_(ids))
            .options(sa.orm.joinedload(Licence.regulator)).order_by(Licence.user_id, Licence.id)):
        licences.setdefault(licence.user_id, []).append(licence)
    records = [Record(user_id=user.id, updated_at=(profiles[user.id].updated_at if user.id in profiles
                                                   else user.created_at),
                      present=True, name=user.name, profile=profiles.get(user.id), licences=licences.get(user.id, []))
               for user in found.items]
    return records, found.next_cursor


def organizations_page(country: str, *, after: str | None, per_page: int):
    """The country's regulators (who issue the licences), then the approved associations of its
    diaspora: (regulators, associations, next cursor). The cursor is a regulator's or an
    association's id, "r12" or "a7"."""
    from diaspora.associations.models import Association, AssociationHeritageCountry

    kind, number = (after[:1], int(after[1:])) if after and after[1:].isdigit() and after[:1] in "ra" else ("", 0)
    regulators: list[Regulator] = []
    start = number if kind == "a" else 0
    if kind in ("", "r"):
        regulators = list(db.session.scalars(sa.select(Regulator).where(
            Regulator.country == country, Regulator.id > number).order_by(Regulator.id).limit(per_page + 1)))
        if len(regulators) > per_page:
            return regulators[:per_page], [], f"r{regulators[per_page - 1].id}"
    left = per_page - len(regulators)
    associations = list(db.session.scalars(
        sa.select(Association).join(AssociationHeritageCountry)
        .where(AssociationHeritageCountry.country == country, Association.status == "approved",
               Association.id > start).order_by(Association.id).limit(left + 1)))
    more = len(associations) > left
    associations = associations[:left]
    return regulators, associations, (f"a{associations[-1].id if associations else start}" if more else None)


# ---------------------------------------------------------------------------- resources


def instant(value: datetime) -> str:
    """A FHIR instant in UTC, to the microsecond kept (`gt` a time read is exact)."""
    return utc_text(value, "microseconds")


def _meta(profile: str, updated_at: datetime) -> dict:
    return {"versionId": str(int(updated_at.replace(tzinfo=UTC).timestamp() * 1000)),
            "lastUpdated": instant(updated_at), "profile": [MCSD + profile]}


def _period(start: date | None, end: date | None) -> dict | None:
    period = {key: value.isoformat() for key, value in (("start", start), ("end", end)) if value}
    return period or None


def practitioner(record: Record) -> dict:
    """mCSD Practitioner: the name; a qualification for each licence with the country's
    regulators (the regulator as issuer, the period, its status as an extension), with its
    registration number only where the member lets this desk read it."""
    resource = {"resourceType": "Practitioner", "id": str(record.user_id),
                "meta": _meta("IHE.mCSD.Practitioner", record.updated_at), "active": True,
                "name": [{"text": record.name}]}
    qualifications = []
    for licence in record.licences or []:
        regulator = licence.regulator
        qualification = {
            "extension": [{"url": EXTENSION + "licence-status", "valueCode": str(licence.status(today()))}],
            "code": {"text": f"{regulator.short_name} licence ({licence.category})"},
            **({"identifier": [{"system": f"{EXTENSION.removesuffix('StructureDefinition/')}NamingSystem/"
                                          f"regulator-{regulator.id}", "value": licence.registration_number}]}
               if record.numbers else {}),
            "issuer": {"reference": f"Organization/regulator-{regulator.id}", "display": regulator.name}}
        period = _period(licence.issued_on, licence.expires_on)
        if period:
            qualification["period"] = period
        qualifications.append(qualification)
    if qualifications:
        resource["qualification"] = qualifications
    return resource


def cadre_concept(cadre: str | None) -> dict:
    if cadre in ISCO:
        code, display = ISCO[cadre]
        return {"coding": [{"system": ISCO_08, "code": code, "display": display}], "text": str(CADRES[cadre])}
    return {"text": "Health worker (cadre not given)"}


def practitioner_role(record: Record, named: dict | None = None) -> dict:
    """mCSD PractitionerRole: the cadre as its ISCO-08 code, the specialty, the host country.
    `named`: the cadres' and countries' concepts already made for this answer's other resources
    (each is the same for every member with that cadre or country, and making one translates
    its name: a few dozen calls)."""
    named = {} if named is None else named
    profile = record.profile
    cadre = profile.cadre if profile else None
    resource = {"resourceType": "PractitionerRole", "id": str(record.user_id),
                "meta": _meta("IHE.mCSD.PractitionerRole", record.updated_at), "active": True,
                "practitioner": {"reference": f"Practitioner/{record.user_id}", "display": record.name},
                "code": [_once(named, ("cadre", cadre), cadre_concept, cadre)]}
    if profile is not None and profile.specialty:
        resource["specialty"] = [{"text": profile.specialty}]
    if profile is not None and profile.host_country:
        resource["extension"] = [{"url": EXTENSION + "host-country", "valueCodeableConcept": _once(
            named, ("country", profile.host_country), _country_concept, profile.host_country)}]
    return resource


def _once(named: dict, key: tuple, make, value):
    found = named.get(key)
    if found is None:
        found = named[key] = make(value)
    return found


def _country_concept(code: str) -> dict:
    return {"coding": [{"system": COUNTRY, "code": code}], "text": country_name(code)}


def regulator_organization(regulator: Regulator) -> dict:
    return {"resourceType": "Organization", "id": f"regulator-{regulator.id}",
            "meta": {"profile": [MCSD + "IHE.mCSD.Organization"]}, "active": True,
            "type": [{"coding": [{"system": ORGANIZATION_TYPE, "code": "govt", "display": "Government"}],
                      "text": "Health professional regulator"}],
            "name": regulator.name, "alias": [regulator.short_name],
            "address": [{"country": regulator.country}]}


def association_organization(association) -> dict:
    return {"resourceType": "Organization", "id": f"association-{association.id}",
            "meta": {"profile": [MCSD + "IHE.mCSD.Organization"]}, "active": True,
            "type": [{"coding": [{"system": ORGANIZATION_TYPE, "code": "cg", "display": "Community Group"}],
                      "text": "Diaspora health professional association"}],
            "name": association.name, "address": [{"country": association.host_country}]}
