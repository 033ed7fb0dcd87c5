"""The portfolio as a PDF: the member's verified contributions, with their totals, a chart, who
verified each and its verification link; in a bounded number of statements."""

import csv
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from diaspora.contributions.logbook import logbook
from diaspora.contributions.logbook.portfolio import Filters
from diaspora.contributions.proof import documents
from diaspora.contributions.proof.public_proof_views import link_of
from diaspora.extensions import db
from tests.contributions.proof_data import AWAITING_TITLE, DRAFT_TITLE, member_with_a_record
from tests.factories import UserFactory
from tests.helpers import in_language
from tests.pdf_checks import assert_tagged, figures_alternative_texts, pdf_text

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "portfolio-pdf.png"


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """The text with its line breaks and hyphenation gone: a long title or link may wrap."""
    return re.sub(r"\s+", " ", text)


def download(client, query: str = ""):
    response = client.get(f"/contributions/portfolio.pdf{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="portfolio.pdf"'
    assert response.data.startswith(b"%PDF-")
    return response.data


def test_the_pdf_shows_the_verified_totals_entries_verifier_and_links_and_no_draft(client, login):
    record = member_with_a_record()
    login(record.member)
    pdf = download(client)
    text = flat(text_of(pdf))

    assert "Dr Ama Mensah" in text and "Doctor · Paediatrics" in text
    # the totals of the six verified contributions: 214.5 hours, 103 trained, 400 patients, 2 countries
    for figure, label in (("6", "verified contributions"), ("214.5", "hours given"), ("103", "people trained"),
                          ("400", "patients reached"), ("2", "countries")):
        assert re.search(rf"\b{re.escape(figure)} {label}", text), (figure, label)
    assert "Countries: Ghana, Nigeria" in text
    assert "Paediatric surgical mission in Accra" in text
    assert "Greater Accra, Ghana" in text
    assert "Verified by Ghana Doctors and Nurses UK on" in text
    link = link_of(record.verified[0])
    assert link.startswith("http://localhost/")
    assert link in text.replace(" ", "")
    # the chart's data as a table: Mission 2, the other kinds 1 each
    assert re.search(r"Mission 2\b", text)
    assert DRAFT_TITLE not in text and AWAITING_TITLE not in text
    assert "Page 1 of" in text


def test_the_pdf_is_tagged_titled_and_in_the_readers_language(client, login, tmp_path):
    record = member_with_a_record(2)
    record.member.locale = "pt"
    db.session.commit()
    login(record.member)
    pdf = download(client)
    assert_tagged(pdf, tmp_path, "Portefólio de Dr Ama Mensah", "pt")
    # each entry's QR code is a figure with a text alternative, as in the renewal pack (one helper)
    assert figures_alternative_texts(pdf) == ["Código QR do link de verificação"] * 2


def test_regions_are_named_in_the_readers_language_in_the_pdf_and_the_csv(client, login, tmp_path):
    """pycountry's names of ISO 3166-2 regions, translated as on the pages: never the code
    ("GH-AA") nor the English name ("Greater Accra") in a French portfolio."""
    record = member_with_a_record()
    record.member.locale = "fr"
    db.session.commit()
    login(record.member)
    text = pdf_text(download(client), tmp_path)
    for place in ("Grand Accra, Ghana", "Nord, Ghana", "Lagos, Nigeria", "Ashanti, Ghana"):
        assert place in text, place
    for code_or_english in ("GH-AA", "GH-NP", "NG-LA", "GH-AH", "Greater Accra", "Northern"):
        assert code_or_english not in text, code_or_english

    body = client.get("/contributions/portfolio.csv").get_data(as_text=True)
    header, *rows = csv.reader(io.StringIO(body.lstrip("\ufeff")))
    regions = {row[header.index(in_language("fr", "Region"))] for row in rows}
    assert {"Grand Accra", "Nord", "Lagos", "Ashanti"} <= regions
    assert not any(re.fullmatch(r"[A-Z]{2}-[A-Z0-9]+", region) for region in regions), regions


def test_a_revoked_link_is_left_out_but_the_entry_stays(client, login):
    record = member_with_a_record(2)
    revoked = record.verified[0]
    logbook.revoke_link(record.member, revoked)
    db.session.commit()
    login(record.member)
    text = flat(text_of(download(client))).replace(" ", "")
    assert revoked.title.replace(" ", "") in text
    assert link_of(revoked) not in text
    assert link_of(record.verified[1]) in text


def test_the_pdf_follows_the_portfolio_filters(client, login):
    record = member_with_a_record()
    login(record.member)
    text = flat(text_of(download(client, "?kind=mission&from=2025-01-01")))
    assert "Paediatric surgical mission in Accra" in text
    assert "Outreach clinic in Kumasi" not in text  # a mission, but in 2023
    assert "Neonatal resuscitation webinar series" not in text
    assert re.search(r"\b1 verified contributions", text) and re.search(r"\b80 hours given", text)
    assert "Kind: Mission" in text and "From: 1 January 2025" in text


def test_a_member_without_verified_contributions_gets_an_empty_portfolio_not_someone_elses(client, login):
    record = member_with_a_record(2)
    login(UserFactory(name="Efua Owusu"))
    text = flat(text_of(download(client)))
    assert "Efua Owusu" in text and "No verified contribution matches these filters yet." in text
    assert record.verified[0].title not in text and "Dr Ama Mensah" not in text


def test_the_pdf_is_for_logged_in_members_only(client):
    response = client.get("/contributions/portfolio.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_portfolio_page_links_to_the_pdf_with_its_filters(client, login):
    record = member_with_a_record(1)
    login(record.member)
    page = client.get("/contributions?kind=mission").get_data(as_text=True)
    assert 'href="/contributions/portfolio.pdf?kind=mission"' in page and "Download as PDF" in page


def test_the_number_of_statements_does_not_grow_with_the_contributions(app, count_queries):
    def statements(how_many: int) -> int:
        record = member_with_a_record(how_many, tag=f"-{how_many}")
        with app.test_request_context(), count_queries() as counter:
            pdf = documents.portfolio_pdf(record.member, Filters())
        assert record.verified[-1].title in flat(text_of(pdf))
        return counter.count

    few, many = statements(2), statements(18)
    assert few == many <= 4


def test_the_first_page_renders_as_an_image(client, login, tmp_path):
    """The first page as PNG (docs/screenshots/portfolio-pdf.png when UPDATE_SCREENSHOTS=1)."""
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm (poppler-utils) is needed to render the portfolio's first page")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    record = member_with_a_record()
    login(record.member)
    pdf = tmp_path / "portfolio.pdf"
    pdf.write_bytes(download(client))
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "first")], check=True)
    png = (tmp_path / "first.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a page with text and a chart, not a blank one
    if os.environ.get("UPDATE_SCREENSHOTS"):
        SCREENSHOT.write_bytes(png)
