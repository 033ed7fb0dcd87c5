"""The renewal pack: a PDF of a licence's cycle, its CPD with who verified it and the link that
proves it, the regulator's requirement and what is missing; only for the licence's member."""

import io
import re
import subprocess
from datetime import timedelta

import pytest
from pypdf import PdfReader

from diaspora.contributions.logbook import logbook
from diaspora.contributions.proof.public_proof_views import link_of
from diaspora.contributions.verification import verification
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences
from tests.contributions.samples import values as contribution_values
from tests.factories import MembershipFactory, UserFactory
from tests.licensure.samples import a_regulator
from tests.pdf_checks import assert_tagged, figures_alternative_texts, need


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
                          completed_on=today() - timedelta(days=10), hours=8, amount=6, unit="points")
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
    assert "12 points counted in this cycle" in text
    assert "Still missing 3 of the 15 points required." in text
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


def test_the_pack_is_a_tagged_pdf_titled_in_the_members_language(client, login, setup, tmp_path):
    member, running, licence, made, private = setup
    member.locale = "fr"
    db.session.commit()
    login(member)
    pdf = client.get(f"/licences/{licence.id}/renewal-pack.pdf").data
    assert_tagged(pdf, tmp_path, "Dossier de renouvellement de Abena Owusu pour NMC", "fr")


def test_each_verified_entry_carries_its_qr_code_to_the_proof_page(client, login, setup, tmp_path):
    need("pdftoppm", "zbarimg")
    member, running, licence, made, private = setup
    other = logbook.log(member, contribution_values("Neonatal resuscitation teaching", cpd_points=1, hours=2))
    logbook.submit(member, other, running.association)
    verification.verify(running.user, other)
    db.session.commit()
    login(member)
    (tmp_path / "pack.pdf").write_bytes(client.get(f"/licences/{licence.id}/renewal-pack.pdf").data)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(tmp_path / "pack.pdf"), str(tmp_path / "page")], check=True)
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", *sorted(str(p) for p in tmp_path.glob("page*.png"))],
                             capture_output=True, text=True).stdout.split()
    # one code per verified entry still shared; none for the revoked one, nor for the member's own activity
    assert sorted(scanned) == sorted([link_of(made), link_of(other)])
    assert figures_alternative_texts((tmp_path / "pack.pdf").read_bytes()) == [
        "QR code of the verification link"] * 2  # what a screen reader says of each


def test_in_all_sums_exactly_the_rows_above_it_and_only_once(client, login, db):
    member = UserFactory(name="Kofi Boateng")
    licence = licences.add_licence(member, {
        "regulator_id": a_regulator("GH", "NMC").id, "registration_number": "NMC/RGN/7", "category": "full",
        "issued_on": None, "expires_on": today() + timedelta(days=60), "reminders": False})
    amounts = [0.25, 1.1, 0.35, 2.05, 0.15] * 8  # forty rows over several pages
    for number, amount in enumerate(amounts):
        licences.log_activity(member, title=f"Module {number:02}", provider=None, amount=amount, unit="points",
                              completed_on=today() - timedelta(days=number), hours=None)
    db.session.commit()
    login(member)
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(
        client.get(f"/licences/{licence.id}/renewal-pack.pdf").data)).pages]
    assert len(pages) > 2
    with_total = [number for number, page in enumerate(pages) if "In all" in page]
    last_row = max(number for number, page in enumerate(pages) if "Module 00" in page)
    assert with_total == [last_row]  # not repeated under the rows of each page
    assert "In all 31.2 points" in pages[last_row], pages[last_row]  # 8 x 3.9, each row as shown
    assert "31.2 points counted in this cycle." in pages[0]
    assert "The requirement for this cycle is met: 15 points." in pages[0]
