import sqlalchemy as sa

from diaspora import demo
from diaspora.associations.models import Association, Membership
from diaspora.auth.models import User
from diaspora.core import transaction
from tests.conftest import give_second_factor
from tests.helpers import row_count


def test_demo_data_loads_twice_without_duplicates_and_each_login_works(app, forms, db):
    logins = demo.load()
    transaction.commit()
    counts = (row_count(User), row_count(Membership), row_count(Association))
    demo.load()
    transaction.commit()
    assert (row_count(User), row_count(Membership), row_count(Association)) == counts

    statuses = dict(db.session.execute(
        sa.select(Association.slug, Association.status)).all())
    assert statuses == {"gnma-uk": "approved", "ndi-ireland": "approved", "zhwn-usa": "pending"}
    assert {role for role, _ in logins} == {"platform admin", "association officer", "member", "desk officer"}
    for _, email in logins:
        response = forms.submit("/login", {"email": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, email
        give_second_factor(forms.client, email)  # the admin and the desk officer: the code from their app
        forms.client.post("/logout", data={"csrf_token": _token(forms.client)})


def _token(client):
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/dashboard", follow_redirects=True).get_data(as_text=True))


def test_the_demo_officer_sees_the_upcoming_missions_licence_warning(app, login, client, db):
    from diaspora.contributions.models import Mission

    demo.load()
    transaction.commit()
    mission = db.session.scalar(sa.select(Mission).where(Mission.status == "planned"))
    officer = db.session.scalar(sa.select(User).where(User.email.like("officer@%")))
    login(officer)
    page = client.get(f"/associations/gnma-uk/missions/{mission.id}").get_data(as_text=True)
    # The demo member's Ghana licence expires in 45 days, before this mission starts in 60.
    assert "1 team member may not practise in Ghana for the whole mission." in page
    assert "Lapses before the mission starts" in page and "Not shared with the association" in page


def test_demo_load_prints_ready_api_tokens_beside_the_logins(app, db):
    """Each run prints a working token for the member, the officer and the desk (a service token),
    and an earlier run's stop working (their secrets are not kept, so they cannot be shown again)."""
    import re

    runner = app.test_cli_runner()
    first = re.findall(r"dhn_[A-Za-z0-9_-]{43}", runner.invoke(args=["demo", "load"]).output)
    output = runner.invoke(args=["demo", "load"]).output
    printed = re.findall(r"dhn_[A-Za-z0-9_-]{43}", output)
    assert len(printed) == 3 and "Demo logins" in output and "service token" in output
    client = app.test_client()
    member, officer, desk = ({"Authorization": f"Bearer {secret}"} for secret in printed)
    assert client.get("/api/v1/contributions", headers=member).status_code == 200
    assert client.get("/api/v1/associations/gnma-uk/verification", headers=officer).status_code == 200
    desk_id = db.session.scalar(sa.text("SELECT id FROM desks WHERE country = 'GH'"))
    assert client.get(f"/api/v1/desks/{desk_id}/queue", headers=desk).status_code == 200
    assert all(client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
               for secret in first)


def test_the_demo_desks_token_reads_open311_the_fhir_feed_and_the_aggregates(app, db):
    """The README's three curls, with the token `flask demo load` prints for the desk."""
    import re

    output = app.test_cli_runner().invoke(args=["demo", "load"]).output
    desk = {"Authorization": f"Bearer {re.findall(r'dhn_[A-Za-z0-9_-]{43}', output)[2]}"}
    client = app.test_client()
    desk_id = db.session.scalar(sa.text("SELECT id FROM desks WHERE country = 'GH'"))
    requests = client.get(f"/api/v1/desks/{desk_id}/open311/v2/requests.json", headers=desk)
    assert requests.status_code == 200 and requests.json and requests.json[0]["service_request_id"].startswith("GH-")
    practitioners = client.get(f"/api/v1/desks/{desk_id}/fhir/Practitioner", headers=desk)
    assert practitioners.status_code == 200 and practitioners.json["entry"]
    figures = client.get(f"/api/v1/desks/{desk_id}/aggregates.csv", headers=desk)
    assert figures.status_code == 200 and "DHN_DIASPORA_HW_SHARING" in figures.get_data(as_text=True)
    report = client.get(f"/api/v1/desks/{desk_id}/fhir/MeasureReport", headers=desk)
    assert report.status_code == 200 and report.json["group"]


def test_the_first_memberships_update_after_the_demo_mails_no_backdated_lapse_notice(app, db):
    """`make run` then `flask memberships update`: no member of the demo is told their membership
    lapsed months ago; only reminders for renewals within 30 days may leave."""
    from diaspora.associations import renewals
    from diaspora.core.models import OutboxMessage

    demo.load()
    transaction.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert renewals.lapse_due() == 0
    transaction.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == before
