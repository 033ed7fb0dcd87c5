"""What contributions add to the suite-wide tests (see tests/samples.py)."""

import io
from datetime import date, timedelta

from werkzeug.datastructures import FileStorage

from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import ContributionEvidence, Mission, MissionMember, Partnership
from diaspora.contributions.verification import verification
from diaspora.core.time import today
from diaspora.extensions import db
from tests.samples import (
    MEMBER,
    OFFICER,
    OWN_OFFICER,
    OWNER,
    Person,
    Tenant,
    anyone,
    insiders,
    kind_sample,
    open_to_outsiders,
    own_sample,
    person_sample,
)

PDF = b"%PDF-1.4\n% evidence of a contribution\n"

# The public verification link is the proof a member hands to anyone: whoever holds it sees
# the page (only what the member chose to share, which the samples keep free of secrets).
open_to_outsiders("contribution_link", "view", anyone)
# A credential status list is for every verifier: one bit per credential, nothing else.
open_to_outsiders("status_list", "view", anyone)

# A contribution is its member's; the officers of the association it was sent to decide on it,
# never on their own. A mission is seen by its team and run by the officers; a team place is
# answered by its person; a partnership is read by the association's active members.
insiders("contribution", "view", OWNER, OFFICER, OWN_OFFICER)
insiders("contribution", "change", OWNER, OWN_OFFICER)
insiders("contribution", "verify", OFFICER)
insiders("contribution_evidence", "view", OWNER, OFFICER, OWN_OFFICER)
insiders("contribution_evidence", "change", OWNER, OWN_OFFICER)
insiders("contribution_link", "view")  # open to anyone
insiders("status_list", "view")  # open to anyone
insiders("mission", "view", OWNER, OFFICER)
insiders("mission", "manage", OFFICER)
insiders("team_place", "answer", OWNER, OWN_OFFICER)
insiders("team_place", "manage", OFFICER, OWN_OFFICER)
insiders("partnership", "view", OWNER, MEMBER, OFFICER)
insiders("partnership", "manage", OFFICER)


def evidence_file(name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=f"{name}.pdf", content_type="application/pdf")


def values(title: str, **more) -> dict:
    return {"kind": "tele_education", "title": title, "starts_on": today() - timedelta(days=30),
            "ends_on": today() - timedelta(days=30), "hours": 2.5, "country": "GH", **more}


@kind_sample("contribution")
def contribution(tenant: Tenant) -> dict:
    made = logbook.log(tenant.member, values(tenant.secret("contribution"), description=tenant.secret("what")),
                       [evidence_file(tenant.secret("evidence"))])
    logbook.submit(tenant.member, made, tenant.association)
    tenant.extra["contribution"] = made
    return {"contribution_id": made.id}


@own_sample("contribution")
def officers_own_contribution(tenant: Tenant) -> dict:
    """The officer's own contribution, sent to the association they run: they may not verify it."""
    made = logbook.log(tenant.officer, values(tenant.secret("own-contribution")),
                       [evidence_file(tenant.secret("own-evidence"))])
    logbook.submit(tenant.officer, made, tenant.association)
    tenant.extra["own_contribution"] = made
    return {"contribution_id": made.id}


@own_sample("contribution_evidence")
def officers_own_evidence(tenant: Tenant) -> dict:
    made = tenant.extra["own_contribution"]
    evidence = db.session.query(ContributionEvidence).filter_by(contribution_id=made.id).one()
    return {"contribution_id": made.id, "evidence_id": evidence.id}


@kind_sample("contribution_evidence")
def contribution_evidence(tenant: Tenant) -> dict:
    made = tenant.extra["contribution"]
    evidence = db.session.query(ContributionEvidence).filter_by(contribution_id=made.id).one()
    return {"contribution_id": made.id, "evidence_id": evidence.id}


@kind_sample("contribution_link")
def contribution_link(tenant: Tenant) -> dict:
    """A verified contribution whose shared fields hold nothing secret; what it keeps private
    (its description, its reflection) is secret, so a page that shows it leaks."""
    made = logbook.log(tenant.member, values(f"Shared talk of tenant {tenant.label}",
                                             description=tenant.secret("private-description"),
                                             reflection=tenant.secret("reflection"),
                                             partner=tenant.secret("partner")))
    logbook.submit(tenant.member, made, tenant.association)
    verification.verify(tenant.officer, made)
    logbook.choose_shared(tenant.member, made, ["hours"])
    return {"token": made.public_token}


@kind_sample("status_list")
def status_list(tenant: Tenant) -> dict:
    return {"number": 1}


@kind_sample("partnership")
def partnership(tenant: Tenant) -> dict:
    made = Partnership(association_id=tenant.association.id, name=tenant.secret("partnership"),
                       host_institution=tenant.secret("trust"), heritage_institution=tenant.secret("hospital"),
                       country=tenant.heritage, aims=tenant.secret("aims"))
    db.session.add(made)
    db.session.flush()
    return {"slug": tenant.association.slug, "partnership_id": made.id}


@kind_sample("mission")
def mission(tenant: Tenant) -> dict:
    made = Mission(association_id=tenant.association.id, title=tenant.secret("mission"), country=tenant.heritage,
                   facility=tenant.secret("facility"), starts_on=today() + timedelta(days=30),
                   ends_on=today() + timedelta(days=40))
    db.session.add(made)
    db.session.flush()
    place = MissionMember(mission_id=made.id, user_id=tenant.member.id, role=tenant.secret("role"))
    db.session.add(place)
    db.session.flush()
    tenant.extra["team_place"] = place
    return {"slug": tenant.association.slug, "mission_id": made.id}


@kind_sample("team_place")
def team_place(tenant: Tenant) -> dict:
    place = tenant.extra["team_place"]
    return {"slug": tenant.association.slug, "mission_id": place.mission_id, "place_id": place.id}


@own_sample("team_place")
def officers_own_team_place(tenant: Tenant) -> dict:
    """The officer is on the same mission's team."""
    mission_id = tenant.extra["team_place"].mission_id
    place = MissionMember(mission_id=mission_id, user_id=tenant.officer.id, role=tenant.secret("own-role"))
    db.session.add(place)
    db.session.flush()
    return {"slug": tenant.association.slug, "mission_id": mission_id, "place_id": place.id}


@person_sample
def contributions_in_every_state(person: Person) -> None:
    """A draft, one awaiting verification, a returned one and a verified one with evidence;
    and they verified someone else's as an officer."""
    draft = logbook.log(person.user, values(person.mark("draft"), reflection=person.mark("reflection")),
                        [evidence_file(person.mark("file"))])
    assert draft.id
    sent = logbook.log(person.user, values(person.mark("sent"), partner=person.mark("partner")))
    logbook.submit(person.user, sent, person.association)
    returned = logbook.log(person.user, values(person.mark("returned")))
    logbook.submit(person.user, returned, person.association)
    verification.return_to_member(person.officer, returned, f"Please add {person.mark('reason')}")
    verified = logbook.log(person.user, values(person.mark("verified"), description=person.mark("description")),
                           [evidence_file(person.mark("verified-file"))])
    logbook.submit(person.user, verified, person.association)
    verification.verify(person.officer, verified)


@person_sample
def a_place_on_a_mission_team(person: Person) -> None:
    made = Mission(association_id=person.association.id, title="A mission", country="GH",
                   starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 9))
    db.session.add(made)
    db.session.flush()
    db.session.add(MissionMember(mission_id=made.id, user_id=person.user.id, role=person.mark("role")))
    db.session.flush()


# A large portfolio's PDF, rendered by a job, is its member's alone.
insiders("portfolio_file", "view", OWNER)


@kind_sample("portfolio_file")
def portfolio_file(tenant: Tenant) -> dict:
    from diaspora.core.models import StoredFile

    stored = StoredFile(owner_id=tenant.member.id, filename="portfolio.pdf", content_type="application/pdf",
                        size=len(PDF), sha256="0" * 64, data=PDF + tenant.secret("portfolio").encode())
    db.session.add(stored)
    db.session.flush()
    return {"file_id": stored.id}
