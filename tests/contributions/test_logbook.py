"""Members log contributions with evidence and send them to their association; officers return
or verify them; what each person sees of them."""

import re
from datetime import timedelta
from io import BytesIO

import pytest

from diaspora.contributions.impact import rollups
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution, ContributionEvidence
from diaspora.contributions.verification import verification
from diaspora.core.domain import DomainError
from diaspora.core.models import StoredFile
from diaspora.core.time import today
from diaspora.extensions import db
from tests.contributions.samples import PDF, values
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import audit_actions, row_count
from tests.mailserver import text_body

LAST_MONTH = (today() - timedelta(days=30)).isoformat()
GOOD = {"kind": "tele_education", "title": "Neonatal resuscitation webinar", "country": "GH",
        "starts_on": LAST_MONTH, "ends_on": LAST_MONTH, "hours": "2,5", "participatory_hours": "1",
        "mode": "remote", "people_trained": "40", "cpd_points": "3", "description": "A webinar for midwives."}


@pytest.fixture
def member_and_officer(db):
    running = MembershipFactory(officer=True)
    officer, association = running.user, running.association
    member = MembershipFactory(association=association, user=UserFactory(name="Ama Mensah")).user
    db.session.commit()
    return member, officer, association


def version_on(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def log_form(forms, data, files=()):
    payload = dict(data)
    if files:
        payload["evidence"] = [(BytesIO(content), name) for content, name in files]
    return forms.submit("/contributions/new", payload, content_type="multipart/form-data")


def test_a_member_logs_a_draft_with_evidence_and_only_they_see_it(client, forms, login, member_and_officer):
    member, officer, _association = member_and_officer
    login(member)
    response = log_form(forms, GOOD, [(PDF, "certificate.pdf")])
    assert response.status_code == 302, response.get_data(as_text=True)
    contribution = db.session.query(Contribution).one()
    assert (contribution.status, contribution.hours, contribution.people_trained) == ("draft", 2.5, 40)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Neonatal resuscitation webinar" in page and "Draft" in page and "certificate.pdf" in page
    assert "contribution.logged" in audit_actions(contribution)

    login(officer)  # a draft is the member's alone, even for their officer
    assert client.get(f"/contributions/{contribution.id}").status_code == 404
    evidence = db.session.query(ContributionEvidence).one()
    assert client.get(f"/contributions/{contribution.id}/evidence/{evidence.id}").status_code == 404


def test_bad_input_comes_back_with_what_was_typed_and_a_message_beside_each_field(forms, login, member_and_officer):
    member, _officer, _association = member_and_officer
    login(member)
    bad = {**GOOD, "title": "Kept title", "hours": "two", "ends_on": "2001-01-01", "kind": "",
           "region": "NG-LA", "people_trained": "-3"}
    response = log_form(forms, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Kept title"' in page and 'value="two"' in page
    assert "Enter the hours as a number" in page
    assert "Choose what kind of contribution this was." in page
    assert "Enter a number from 0 to 10,000,000." in page
    assert row_count(Contribution) == 0


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"just text pretending", "report.pdf", "must be a PDF, PNG or JPEG"),
    (b"", "empty.pdf", "The file is empty."),
    (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "huge.pdf", "larger than 5 MB"),
])
def test_evidence_that_cannot_be_kept_is_refused_and_nothing_is_saved(forms, login, member_and_officer,
                                                                      content, name, message):
    member, _officer, _association = member_and_officer
    login(member)
    response = log_form(forms, GOOD, [(content, name)])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert row_count(Contribution) == 0 and row_count(StoredFile) == 0


def test_a_region_must_belong_to_the_country(member_and_officer):
    member, _officer, _association = member_and_officer
    with pytest.raises(DomainError) as refused:
        logbook.log(member, values("Somewhere", region="NG-LA"))
    assert refused.value.field == "region"
    assert logbook.log(member, values("Somewhere", region="GH-NP")).region == "GH-NP"


def test_a_member_sends_it_only_to_an_association_they_are_active_in(member_and_officer):
    member, _officer, association = member_and_officer
    elsewhere = MembershipFactory().association
    contribution = logbook.log(member, values("Talk"))
    with pytest.raises(DomainError):
        logbook.submit(member, contribution, elsewhere)
    logbook.submit(member, contribution, association)
    assert contribution.status == "submitted" and contribution.association_id == association.id


def test_the_officer_returns_it_with_a_reason_in_the_members_language(client, forms, login, smtp_server,
                                                                     member_and_officer):
    member, officer, association = member_and_officer
    member.locale = "fr"
    contribution = logbook.log(member, values("Formation en ligne"))
    logbook.submit(member, contribution, association)
    db.session.commit()
    login(officer)
    queue = client.get(f"/associations/{association.slug}/verification").get_data(as_text=True)
    assert "Formation en ligne" in queue and "Ama Mensah" in queue
    empty = forms.submit(f"/contributions/{contribution.id}/return", {"reason": "  "})
    assert empty.status_code == 422 and "Say what the member should change." in empty.get_data(as_text=True)
    response = forms.submit(f"/contributions/{contribution.id}/return", {"reason": "Add the attendance list."})
    assert response.status_code == 302
    mail = smtp_server.last_to(member.email)
    body = text_body(mail)
    assert "Add the attendance list." in body and "Bonjour" in body
    assert "/contributions/" in body

    login(member)
    page = client.get(f"/contributions/{contribution.id}").get_data(as_text=True)
    assert "Returned" in page and "Add the attendance list." in page
    edit_page = client.get(f"/contributions/{contribution.id}/edit").get_data(as_text=True)
    assert 'value="Formation en ligne"' in edit_page
    edited = forms.submit(f"/contributions/{contribution.id}/edit", {**GOOD, "title": "Formation en ligne",
                                                                      "version": version_on(edit_page)})
    assert edited.status_code == 302


def test_verified_is_locked_counted_and_public_until_reopened(client, forms, login, member_and_officer):
    member, officer, association = member_and_officer
    contribution = logbook.log(member, values("Mentoring circle", hours=6, people_trained=12,
                                              description="private notes"))
    logbook.submit(member, contribution, association)
    verification.verify(officer, contribution)
    db.session.commit()
    assert rollups.stored() == rollups.recount() and len(rollups.stored()) == 1
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())
    with pytest.raises(DomainError):
        logbook.update(member, contribution, values("Changed"), contribution.version)

    public = client.get(f"/proof/{contribution.public_token}")
    page = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "Mentoring circle" in page and association.name in page and "Ama Mensah" in page
    assert "private notes" not in page  # the description is not shared unless chosen
    assert client.get(f"/proof/{contribution.public_token}x").status_code == 404  # tampered
    qr = client.get(f"/proof/{contribution.public_token}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data

    login(member)
    assert forms.submit(f"/contributions/{contribution.id}", {}, action=f"/contributions/{contribution.id}/reopen"
                        ).status_code == 302
    db.session.expire_all()
    assert db.session.get(Contribution, contribution.id).status == "draft"
    assert rollups.stored() == rollups.recount() == {}
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())
    revoked = client.get(f"/proof/{contribution.public_token}")
    assert revoked.status_code == 410
    assert "no longer valid" in revoked.get_data(as_text=True)
    assert "Mentoring circle" not in revoked.get_data(as_text=True)


def test_the_member_chooses_what_the_verification_page_shows_and_can_revoke_it(client, forms, login,
                                                                              member_and_officer):
    member, officer, association = member_and_officer
    contribution = logbook.log(member, values("Supplies to Tamale", partner="Tamale Teaching Hospital"))
    logbook.submit(member, contribution, association)
    verification.verify(officer, contribution)
    db.session.commit()
    login(member)
    page_url = f"/contributions/{contribution.id}"
    forms.submit(page_url, {"fields": ["partner"]}, action=f"{page_url}/sharing")
    public = client.get(f"/proof/{contribution.public_token}").get_data(as_text=True)
    assert "Tamale Teaching Hospital" in public and "Ama Mensah" not in public
    forms.submit(page_url, {}, action=f"{page_url}/link/revoke")
    assert client.get(f"/proof/{contribution.public_token}").status_code == 410
    old_token = contribution.public_token
    forms.submit(page_url, {}, action=f"{page_url}/link/renew")
    db.session.expire_all()
    renewed = db.session.get(Contribution, contribution.id)
    assert renewed.public_token != old_token
    assert client.get(f"/proof/{renewed.public_token}").status_code == 200
    assert client.get(f"/proof/{old_token}").status_code == 404


def test_bulk_verify_takes_only_this_associations_queue(client, forms, login, member_and_officer):
    member, officer, association = member_and_officer
    ours = [logbook.log(member, values(f"Session {n}")) for n in range(3)]
    for contribution in ours:
        logbook.submit(member, contribution, association)
    other_officer = MembershipFactory(officer=True).user
    db.session.commit()
    login(officer)
    response = forms.submit(f"/associations/{association.slug}/verification",
                            {"ids": [str(ours[0].id), str(ours[1].id), "999999"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert [db.session.get(Contribution, c.id).status for c in ours] == ["verified", "verified", "submitted"]
    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())

    login(other_officer)  # another association's officer cannot reach this queue or its items
    assert client.get(f"/associations/{association.slug}/verification").status_code in (403, 404)
    assert client.get(f"/contributions/{ours[2].id}").status_code == 404


def test_a_version_conflict_keeps_what_was_typed(client, forms, login, member_and_officer):
    member, _officer, _association = member_and_officer
    contribution = logbook.log(member, values("First title"))
    db.session.commit()
    login(member)
    page = client.get(f"/contributions/{contribution.id}/edit").get_data(as_text=True)
    logbook.update(member, contribution, values("Someone else's title"), contribution.version)
    db.session.commit()
    response = forms.submit(f"/contributions/{contribution.id}/edit",
                            {**GOOD, "title": "My title", "version": version_on(page)})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone saved a change first" in text and 'value="My title"' in text
    assert "Someone else&#39;s title" in text or "Someone else's title" in text


def test_the_portfolio_adds_up_and_its_csv_is_safe_in_a_spreadsheet(client, login, member_and_officer):
    member, officer, association = member_and_officer
    for n, (kind, hours) in enumerate([("training", 3), ("mentoring", 2), ("training", 5)]):
        made = logbook.log(member, values(f"=HYPERLINK(\"x\") {n}", kind=kind, hours=hours))
        logbook.submit(member, made, association)
        verification.verify(officer, made)
    logbook.log(member, values("A draft", hours=100))
    db.session.commit()
    login(member)
    page = client.get("/contributions").get_data(as_text=True)
    assert "verified contributions" in page
    from tests.helpers import stats_on

    stats = stats_on(page)
    assert stats["verified contributions"] == "3" and stats["hours given"] == "10"
    response = client.get("/contributions/portfolio.csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert body.count("\n") == 5  # the header and four rows
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body
    filtered = client.get("/contributions?kind=training").get_data(as_text=True)
    assert "A draft" not in filtered


def test_the_portfolio_and_queue_cost_the_same_statements_whatever_their_size(client, login, count_queries,
                                                                            member_and_officer):
    member, officer, association = member_and_officer

    def add(n):
        for i in range(n):
            made = logbook.log(member, values(f"Item {i}"))
            logbook.submit(member, made, association)
        db.session.commit()

    def statements(user, url):
        login(user)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    queue = f"/associations/{association.slug}/verification"
    add(2)
    small = (statements(member, "/contributions"), statements(officer, queue))
    add(30)
    large = (statements(member, "/contributions"), statements(officer, queue))
    assert large == small
