"""Reports as PDF: an association's annual impact report and a desk's quarterly report, tagged
(PDF/UA-1, checked by poppler, pypdf and qpdf), in the reader's language, from the dashboards."""

import io
import re
from datetime import date

from pypdf import PdfReader

from diaspora.contributions.models import Mission, MissionStatus, Partnership
from diaspora.extensions import db
from tests.contributions.proof_data import member_with_a_record
from tests.factories import MembershipFactory
from tests.helpers import in_language, link_in
from tests.mailserver import text_body
from tests.pdf_checks import assert_tagged, figures_alternative_texts, pdf_text


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    return response.data


def test_an_associations_annual_report(client, login, tmp_path):
    record = member_with_a_record()
    association = record.association
    db.session.add_all([
        Mission(association_id=association.id, title="Cleft surgery week in Tamale", country="GH", region="GH-NP",
                starts_on=date(2025, 3, 2), ends_on=date(2025, 3, 8), status=MissionStatus.REPORTED,
                patients_seen=61, people_trained=9),
        Mission(association_id=association.id, title="A mission of another year", country="GH",
                starts_on=date(2023, 3, 2), ends_on=date(2023, 3, 8), status=MissionStatus.REPORTED),
        Partnership(association_id=association.id, name="Korle Bu link", host_institution="Guy's and St Thomas'",
                    heritage_institution="Korle Bu Teaching Hospital", country="GH", starts_on=date(2024, 1, 1)),
    ])
    db.session.commit()
    login(record.officer)
    impact_page = client.get(f"/associations/{association.slug}/impact").get_data(as_text=True)
    assert f"/associations/{association.slug}/impact/report.pdf" in impact_page

    pdf = download(client, f"/associations/{association.slug}/impact/report.pdf?year=2025")
    text = text_of(pdf)
    # 2025's three verified contributions: the Accra mission, the webinars, the teleconsultations
    for figure, label in (("3", "verified contributions"), ("108", "hours given"), ("79", "people trained"),
                          ("250", "patients reached"), ("1", "missions")):
        assert re.search(rf"\b{figure} {label}", text), (figure, label)
    assert "Cleft surgery week in Tamale" in text and "A mission of another year" not in text
    assert "Korle Bu link" in text
    assert "Northern, Ghana" in text and "GH-NP" not in text  # the mission's region, by its name
    assert "Tele-education" in text or "tele" in text.lower()
    assert_tagged(pdf, tmp_path, "Ghana Doctors and Nurses UK: impact report 2025", "en")
    assert "Verified contributions by kind" in figures_alternative_texts(pdf)

    # In the reader's language; a member may not have it.
    record.officer.locale = "fr"
    db.session.commit()
    french = download(client, f"/associations/{association.slug}/impact/report.pdf?year=2025")
    assert in_language("fr", "hours given") in text_of(french)
    assert "Nord, Ghana" in pdf_text(french, tmp_path)  # pycountry's French name of GH-NP
    assert_tagged(french, tmp_path, in_language("fr", "%(name)s: impact report %(year)s",
                                                 name=association.name, year=2025), "fr")
    login(record.member)
    assert client.get(f"/associations/{association.slug}/impact/report.pdf?year=2025").status_code in (403, 404)


def test_an_unreadable_year_is_last_year(client, login):
    record = member_with_a_record(1)
    login(record.officer)
    for year in ("abc", "99999", "1066", "%00"):
        download(client, f"/associations/{record.association.slug}/impact/report.pdf?year={year}")


def test_a_desks_quarterly_report(client, login, tmp_path):
    from datetime import datetime

    from diaspora.desks.models import DeskOfficer, Submission, SubmissionStatus
    from tests.factories import DeskFactory, UserFactory

    desk = DeskFactory(country="GH", name="Ghana Diaspora Desk", ministry="Ministry of Health")
    officer = UserFactory(name="Akua Desk")
    db.session.add(DeskOfficer(desk_id=desk.id, user_id=officer.id))
    made = [  # (topic, created, answered, answer by, status)
        ("policy_input", datetime(2026, 7, 2), datetime(2026, 7, 20), date(2026, 7, 30), SubmissionStatus.RESOLVED),
        ("policy_input", datetime(2026, 7, 5), datetime(2026, 8, 20), date(2026, 8, 1), SubmissionStatus.RESOLVED),
        ("barrier_report", datetime(2026, 8, 1), datetime(2026, 8, 3), date(2026, 8, 20), SubmissionStatus.CLOSED),
        ("barrier_report", datetime(2026, 9, 29), None, date(2026, 10, 20), SubmissionStatus.IN_REVIEW),
        ("barrier_report", datetime(2026, 4, 2), None, date(2026, 5, 2), SubmissionStatus.SUBMITTED),  # Q2
    ]
    for number, (topic, created, answered, answer_by, status) in enumerate(made, start=1):
        db.session.add(Submission(country="GH", year=2026, number=number, topic=topic, title=f"S{number}",
                                  desk_id=desk.id, status=status, created_at=created, answered_at=answered,
                                  answer_by=answer_by))
    db.session.commit()
    login(officer)
    assert f"/desks/{desk.id}/report.pdf" in client.get(f"/desks/{desk.id}/dashboard").get_data(as_text=True)
    pdf = download(client, f"/desks/{desk.id}/report.pdf?quarter=2026-Q3")
    text = text_of(pdf)
    assert re.search(r"\b4 submissions received", text) and re.search(r"\b3 answered", text)
    assert re.search(r"\b67 % answered by the date", text)  # two of the three
    assert "Barrier report 2 0 1" in text and "Policy input 2 2 0" in text  # received, resolved, closed
    assert "Engagement in Ghana" in text
    assert_tagged(pdf, tmp_path, "Ghana Diaspora Desk: quarterly report 2026-Q3", "en")
    login(UserFactory())
    assert client.get(f"/desks/{desk.id}/report.pdf").status_code in (403, 404)


def test_the_desks_report_keeps_the_dashboards_disclosure_control(client, login):
    """14 nurses and 2 doctors share with the Ghana desk: the report, like the dashboard, shows
    the doctors as <10, hides the nurses (16 − 14 would give them away) and never writes 14."""
    from tests.desks.test_dashboard import member, refresh
    from tests.factories import DeskOfficerFactory

    officer = DeskOfficerFactory(desk__country="GH", desk__name="Ghana Desk")
    for _ in range(14):
        member(cadre="nurse", host_country="GB")
    for _ in range(2):
        member(cadre="doctor", host_country="US")
    refresh()
    login(officer.user)
    text = text_of(download(client, f"/desks/{officer.desk.id}/report.pdf"))
    assert "Doctor <10" in text and "Nurse *" in text and "Total 16" in text
    assert not re.search(r"\b14\b", text.split("Engagement in Ghana")[1])


def test_a_long_annual_report_is_laid_out_by_a_job_and_mailed_as_a_link(app, client, login, smtp_server):
    """No request lays out a long PDF: over REPORT_INLINE_LIMIT missions and partnerships, the
    officer is told, a job lays it out in their language, and the link opens for them alone."""
    record = member_with_a_record()
    association = record.association
    db.session.add_all([Mission(association_id=association.id, title=f"Outreach week {number}", country="GH",
                                starts_on=date(2025, number, 2), ends_on=date(2025, number, 8),
                                status=MissionStatus.REPORTED) for number in range(1, 4)])
    db.session.commit()
    app.config["REPORT_INLINE_LIMIT"] = 2
    try:
        login(record.officer)
        response = client.get(f"/associations/{association.slug}/impact/report.pdf?year=2025")
    finally:
        app.config["REPORT_INLINE_LIMIT"] = 60
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/associations/{association.slug}/impact")
    assert "we are preparing its PDF" in client.get(response.headers["Location"]).get_data(as_text=True)

    mail = smtp_server.last_to(record.officer.email)  # the job ran (immediately, under test)
    assert mail["Subject"] == "Your report is ready" and "2025 impact report" in text_body(mail)
    link = link_in(text_body(mail))
    pdf = download(client, link)
    assert "Outreach week 3" in text_of(pdf)

    another_officer = MembershipFactory(association=association, officer=True).user
    db.session.commit()
    login(another_officer)
    assert client.get(link).status_code == 404  # the file is its reader's, not the association's


def test_a_short_annual_report_is_still_downloaded_at_once(client, login):
    record = member_with_a_record()
    login(record.officer)
    download(client, f"/associations/{record.association.slug}/impact/report.pdf?year=2025")


def test_digits_that_are_not_ascii_are_read_as_no_year_or_quarter(app):
    """'²' is a digit to str.isdigit() but not to int(): a year, a quarter, a desk's period or a
    FHIR id typed with such characters gets the usual default or refusal, never a 500."""
    from werkzeug.datastructures import MultiDict

    from diaspora.core.time import today
    from diaspora.desks.engagement.periods import ReportingPeriod
    from diaspora.records.reports import quarter_from, year_from

    assert year_from(MultiDict({"year": "²²²²"})) == year_from(MultiDict())
    assert quarter_from(MultiDict({"quarter": "²０２５-Q1"})) == quarter_from(MultiDict())
    with app.test_request_context():
        _period, problems = ReportingPeriod.from_args(MultiDict({"year": "²０²５"}), today().replace(day=1))
    assert problems
