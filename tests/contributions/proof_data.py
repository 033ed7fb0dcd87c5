"""A member with a realistic record of verified contributions (and some that are not verified),
for the tests of the portfolio PDF and of the credential."""

from dataclasses import dataclass, field
from datetime import date

from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution
from diaspora.contributions.verification import verification
from diaspora.extensions import db
from tests.factories import AssociationFactory, MembershipFactory, ProfileFactory, UserFactory

VERIFIED = [
    {"kind": "mission", "title": "Paediatric surgical mission in Accra", "country": "GH",
     "region": "GH-AA", "partner": "Korle Bu Teaching Hospital", "starts_on": date(2025, 2, 10),
     "ends_on": date(2025, 2, 21), "hours": 80, "mode": "in_person", "people_trained": 14, "patients_reached": 212,
     "description": "Operated alongside the paediatric surgery team and taught two theatre courses."},
    {"kind": "tele_education", "title": "Neonatal resuscitation webinar series", "country": "GH",
     "starts_on": date(2025, 5, 6), "ends_on": date(2025, 6, 24), "hours": 12, "mode": "remote",
     "people_trained": 65},
    {"kind": "training", "title": "Emergency triage training for nurses in Tamale", "country": "GH",
     "region": "GH-NP", "partner": "Tamale Teaching Hospital", "starts_on": date(2024, 11, 4),
     "ends_on": date(2024, 11, 8), "hours": 30, "mode": "in_person", "people_trained": 24},
    {"kind": "mentoring", "title": "Mentoring two paediatric registrars", "country": "NG", "region": "NG-LA",
     "starts_on": date(2024, 3, 1), "ends_on": date(2024, 12, 15), "hours": 40.5, "mode": "remote"},
    {"kind": "teleconsultation", "title": "Weekly teleconsultations with Tamale's children's ward", "country": "GH",
     "starts_on": date(2025, 8, 4), "ends_on": date(2025, 10, 27), "hours": 16, "mode": "remote",
     "patients_reached": 38},
    {"kind": "mission", "title": "Outreach clinic in Kumasi", "country": "GH", "region": "GH-AH",
     "starts_on": date(2023, 7, 17), "ends_on": date(2023, 7, 21), "hours": 36, "mode": "in_person",
     "patients_reached": 150},
]
DRAFT_TITLE = "Community health talk in Ashaiman (draft)"
AWAITING_TITLE = "Supplies sent to Tema General Hospital (awaiting verification)"


@dataclass
class Record:
    member: object
    officer: object
    association: object
    verified: list[Contribution] = field(default_factory=list)
    draft: Contribution | None = None
    awaiting: Contribution | None = None


def member_with_a_record(how_many: int = len(VERIFIED), tag: str = "") -> Record:
    """Dr Ama Mensah (`tag` makes another, in another association) with `how_many` verified
    contributions, a draft and one awaiting verification."""
    association = AssociationFactory(name=f"Ghana Doctors and Nurses UK{tag}", slug=f"gdn-uk{tag}")
    member = UserFactory(name="Dr Ama Mensah", email=f"ama.mensah{tag}@example.org")
    ProfileFactory(user=member, cadre="doctor", specialty="Paediatrics")
    officer = UserFactory(name="Kwame Boateng")
    MembershipFactory(user=member, association=association)
    MembershipFactory(user=officer, association=association, officer=True)
    record = Record(member, officer, association)
    for index in range(how_many):
        values = dict(VERIFIED[index % len(VERIFIED)])
        if index >= len(VERIFIED):
            values["title"] = f"{values['title']} ({index // len(VERIFIED) + 1})"
        record.verified.append(verified(record, values))
    record.draft = logbook.log(member, {"kind": "training", "title": DRAFT_TITLE, "starts_on": date(2025, 9, 1),
                                        "hours": 3, "country": "GH"})
    record.awaiting = logbook.log(member, {"kind": "supplies_donation", "title": AWAITING_TITLE,
                                           "starts_on": date(2025, 9, 15), "country": "GH"})
    logbook.submit(member, record.awaiting, association)
    db.session.commit()
    return record


def verified(record: Record, values: dict) -> Contribution:
    made = logbook.log(record.member, values)
    logbook.submit(record.member, made, record.association)
    verification.verify(record.officer, made)
    db.session.flush()
    return made
