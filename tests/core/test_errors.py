import pytest

from diaspora import create_app
from diaspora.auth.models import User
from diaspora.core.access import public
from diaspora.extensions import db as _db
from tests.conftest import app_config
from tests.helpers import row_count


def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'href="/"' in page


def test_errors_are_json_for_clients_that_ask(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == "Page not found"


def test_healthz_touches_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not used", "jobs_waiting": 0,
                             "oldest_waiting_job_seconds": 0.0}


@pytest.fixture
def failing_app(database_url, smtp_server):
    fresh = create_app(app_config(database_url, smtp_server, PROPAGATE_EXCEPTIONS=False))

    @fresh.post("/half-a-change")
    @public
    def half_a_change():
        _db.session.add(User(name="Half", email="half@example.org", password_hash="x"))
        _db.session.flush()
        raise RuntimeError("the second half failed")

    fresh.config["WTF_CSRF_ENABLED"] = False
    return fresh


def test_a_crash_shows_a_friendly_500_and_writes_nothing(failing_app, db):
    response = failing_app.test_client().post("/half-a-change")
    assert response.status_code == 500
    assert "nothing you typed was saved" in response.get_data(as_text=True)
    assert row_count(User) == 0


def test_a_request_that_loses_a_race_gets_a_409_and_saves_nothing(database_url, smtp_server, db):
    fresh = create_app(app_config(database_url, smtp_server, PROPAGATE_EXCEPTIONS=False))
    fresh.config["WTF_CSRF_ENABLED"] = False

    @fresh.post("/twice")
    @public
    def twice():
        for _ in range(2):  # the second row breaks the unique email, as a double submit would
            _db.session.add(User(name="Twin", email="twin@example.org", password_hash="x"))
            _db.session.flush()
        return "saved"

    response = fresh.test_client().post("/twice")
    assert response.status_code == 409
    assert "Someone else changed this first" in response.get_data(as_text=True)
    assert row_count(User) == 0


def test_an_expired_form_explains_itself(client):
    response = client.post("/login", data={"email": "a@example.org", "password": "whatever it is"})
    assert response.status_code == 400
    assert "This form had expired" in response.get_data(as_text=True)
