"""The renewal pack: a PDF of a licence's cycle, its CPD with who verified it and the link that
proves it, the regulator's requirement and what is missing; only for the licence's member."""

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from diaspora.contributions import logbook, verification
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences
from tests.contributions.samples import values as contribution_values
from tests.factories import MembershipFactory, UserFactory
from tests.licensure.samples import a_regulator


def text_of(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text), len(reader.pages)  # a cell's text wraps over lines


def flat(text: str) -> str:
    """The text without line breaks or spaces: a long link wraps over lines in a table cell."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def setup(db):
    member = UserFactory(name="Abena Owusu")
    running = MembershipFactory(officer=True)
    MembershipFactory(association=running.association, user=member)
    licence = licences.add_licence(member, {
        "regulator_id": a_regulator("GH", "NMC").id, "registration_number": "NMC/RGN/12345", "category": "full",
        "issued_on": None, "expires_on": today() + timedelta(days=60), "reminders": True})
    licences.log_activity(member, title="Advanced life support", provider="Resus Council",
                          completed_on=today() - timedelta(days=10), hours=8, points=6)
    made = logbook.log(member, contribution_values("Obstetric skills drills", cpd_points=4, hours=3))
    logbook.submit(member, made, running.association)
    verification.verify(running.user, made)
    private = logbook.log(member, contribution_values("Mentoring in Kumasi", cpd_points=2, hours=1))
    logbook.submit(member, private, running.association)
    verification.verify(running.user, private)
    logbook.revoke_link(member, private)
    db.session.commit()
    return member, running, licence, made, private


def test_the_pack_lists_the_cycles_cpd_with_points_verifier_and_link(client, login, setup):
    member, running, licence, made, private = setup
    login(member)
    page = client.get(f"/licences/{licence.id}").get_data(as_text=True)
    assert f'href="/licences/{licence.id}/renewal-pack.pdf"' in page
    assert "Download the renewal pack (PDF)" in page

    response = client.get(f"/licences/{licence.id}/renewal-pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    text, pages = text_of(response.data)
    assert "Licence renewal pack" in text and "Abena Owusu" in text
    assert "Nursing and Midwifery Council of Ghana" in text and "NMC/RGN/12345" in text
    assert "Advanced life support" in text and "Obstetric skills drills" in text
    assert "Logged by the member" in text and running.association.name in text
    assert flat(f"/proof/{made.public_token}") in flat(text)
    # 6 + 4 + 2 points of the 15 required: 3 still missing
    assert "12 CPD points recorded in this cycle" in text
    assert "Still missing: 3 of the 15" in text
    assert f"Page 1 of {pages}" in text


def test_a_verified_contribution_whose_link_is_revoked_shows_no_link(client, login, setup):
    member, running, licence, made, private = setup
    assert not private.is_public and private.public_token
    login(member)
    text, _pages = text_of(client.get(f"/licences/{licence.id}/renewal-pack.pdf").data)
    assert "Mentoring in Kumasi" in text and "Not shared publicly" in text
    assert flat(f"/proof/{private.public_token}") not in flat(text)


def test_only_the_member_gets_the_pack(client, login, setup):
    member, running, licence, made, private = setup
    login(UserFactory())
    assert client.get(f"/licences/{licence.id}/renewal-pack.pdf").status_code == 404
    licences.choose_sharing(member, {running.association.id: True})
    db.session.commit()
    login(running.user)  # an officer the member shares with sees the licence, not its pack
    assert client.get(f"/licences/{licence.id}").status_code == 200
    assert "renewal-pack.pdf" not in client.get(f"/licences/{licence.id}").get_data(as_text=True)
    assert client.get(f"/licences/{licence.id}/renewal-pack.pdf").status_code == 403


def test_an_unknown_requirement_says_so_and_guesses_nothing(client, login, db):
    member = UserFactory()
    licence = licences.add_licence(member, {
        "regulator_id": a_regulator("GH", "NMC").id, "registration_number": "X-1", "category": "full",
        "issued_on": None, "expires_on": today() + timedelta(days=60), "reminders": False})
    licence.regulator.cpd_required_per_cycle = None
    licence.regulator.renewal_due = None
    db.session.commit()
    login(member)
    text, _pages = text_of(client.get(f"/licences/{licence.id}/renewal-pack.pdf").data)
    assert "NMC’s requirement is unknown to us" in text
    assert "No CPD is recorded in this cycle yet." in text
    assert "Still missing" not in text
