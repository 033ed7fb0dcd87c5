"""A large portfolio's PDF is rendered by a job, not in the request: the member is told, gets a
link by mail, and only they can download it."""

from diaspora.extensions import db
from tests.contributions.proof_data import member_with_a_record
from tests.contributions.test_portfolio_pdf import flat, text_of
from tests.factories import UserFactory
from tests.helpers import link_in
from tests.mailserver import text_body


def test_a_large_portfolio_is_rendered_by_a_job_and_mailed_as_a_link(app, client, login, smtp_server):
    record = member_with_a_record()
    app.config["PORTFOLIO_INLINE_LIMIT"] = 3  # the record has six verified contributions
    try:
        login(record.member)
        response = client.get("/contributions/portfolio.pdf")
    finally:
        app.config["PORTFOLIO_INLINE_LIMIT"] = 150
    assert response.status_code == 302 and response.headers["Location"].startswith("/contributions")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "we are preparing its PDF" in page

    mail = smtp_server.last_to(record.member.email)  # the job ran (immediately, under test)
    assert mail["Subject"] == "Your portfolio is ready"
    link = link_in(text_body(mail))
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert "Paediatric surgical mission in Accra" in flat(text_of(pdf.data))

    db.session.remove()
    client.get("/logout")
    from tests.conftest import log_in_session

    log_in_session(client, UserFactory(email="someone.else@example.org"))
    assert client.get(link).status_code == 404


def test_a_small_portfolio_is_still_downloaded_at_once(client, login):
    record = member_with_a_record(how_many=2)
    login(record.member)
    response = client.get("/contributions/portfolio.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
