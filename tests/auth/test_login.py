import re

import pytest

from diaspora.auth import passwords
from tests.conftest import Forms
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import audit_actions, link_in
from tests.mailserver import text_body


def test_logging_in_opens_the_dashboard_and_is_audited(client, forms, db):
    user = UserFactory(name="Chipo Moyo")
    response = forms.submit("/login", {"email": user.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert "Welcome, <bdi>Chipo Moyo</bdi>" in client.get("/dashboard").get_data(as_text=True)
    assert audit_actions(user) == ["user.logged_in"]


def test_a_wrong_password_shows_an_error_and_keeps_the_email(forms):
    user = UserFactory()
    response = forms.submit("/login", {"email": user.email, "password": "not my password at all"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The email address or password is not right." in page
    assert f'value="{user.email}"' in page


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(forms):
    user = UserFactory(email="known@example.org")
    known = forms.submit("/login", {"email": user.email, "password": "not my password at all"})
    unknown = forms.submit("/login", {"email": "nobody@example.org", "password": "not my password at all"})
    assert known.status_code == unknown.status_code == 422
    assert _neutral(known.get_data(as_text=True), user.email) == _neutral(unknown.get_data(as_text=True),
                                                                         "nobody@example.org")


def _neutral(page: str, email: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", page.replace(email, "EMAIL"))


def test_remember_me_keeps_a_cookie_only_when_asked(client, forms):
    user = UserFactory()
    forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert client.get_cookie("remember_token") is None
    client.post("/logout", data={"csrf_token": _token(client)})
    forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def _token(client):
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/dashboard").get_data(as_text=True))


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/account", "/account"),
    ("https://evil.example/phish", "/dashboard"),
    ("//evil.example/phish", "/dashboard"),
    ("/\\evil.example", "/dashboard"),
    ("javascript:alert(1)", "/dashboard"),
])
def test_only_local_next_pages_are_followed(forms, next_url, expected):
    user = UserFactory()
    from urllib.parse import quote

    response = forms.submit(f"/login?next={quote(next_url)}",
                            {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == expected


def test_logging_out_ends_the_session(client, login):
    login(UserFactory())
    response = client.post("/logout", data={"csrf_token": _token(client)})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_logging_out_needs_the_form_token(client, login):
    login(UserFactory())
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_a_logged_in_user_skips_the_login_page(client, login):
    login(UserFactory())
    assert client.get("/login").headers["Location"] == "/dashboard"


def test_too_many_failures_pause_the_account_here_and_say_so_honestly(forms, app):
    user = UserFactory()
    bystander = UserFactory()
    for _ in range(5):
        failed = forms.submit("/login", {"email": user.email, "password": "wrong guess again"})
        assert failed.status_code == 422
    refused = forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many wrong passwords" in page
    assert "even with the right password" in page and "about 15 minutes" in page
    assert f'value="{user.email}"' in page  # the address is kept
    assert f'href="/forgot-password?email={user.email}"' in page
    assert "per 15 minute" not in page
    ok = forms.submit("/login", {"email": bystander.email, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302


def test_a_strangers_guesses_from_elsewhere_do_not_lock_the_owner_out(app, forms, db):
    user = UserFactory()
    stranger = app.test_client()
    for _ in range(6):
        Forms(stranger).submit("/login", {"email": user.email, "password": "wrong guess again"},
                               environ_base={"REMOTE_ADDR": "198.51.100.7"})
    response = forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD},
                            environ_base={"REMOTE_ADDR": "203.0.113.20"})
    assert response.status_code == 302


def test_guesses_from_many_places_reach_the_accounts_own_ceiling(app, forms, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "8 per hour")
    user = UserFactory()
    for n in range(8):
        Forms(app.test_client()).submit("/login", {"email": user.email, "password": "wrong guess again"},
                                        environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    refused = forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD},
                           environ_base={"REMOTE_ADDR": "203.0.113.20"})
    assert refused.status_code == 429
    assert "from several places" in refused.get_data(as_text=True)


def test_a_password_reset_lifts_the_pause(forms, smtp_server, db):
    user = UserFactory()
    for _ in range(5):
        forms.submit("/login", {"email": user.email, "password": "wrong guess again"})
    assert forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 429
    forms.submit("/forgot-password", {"email": user.email})
    link = link_in(text_body(smtp_server.last_to(user.email)))
    assert forms.submit(link, {"password": "tamarind compass harbour 5"}).status_code == 302
    assert forms.submit("/login", {"email": user.email, "password": "tamarind compass harbour 5"}).status_code == 302


def test_too_many_failures_from_one_address_are_refused(forms, app):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 15 minutes"
    try:
        for n in range(3):
            forms.submit("/login", {"email": f"guess{n}@example.org", "password": "wrong guess again"})
        user = UserFactory()
        refused = forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    finally:
        app.config["LOGIN_LIMIT_PER_IP"] = "30 per 15 minutes"
    assert refused.status_code == 429


def test_successful_logins_do_not_use_up_the_limit(forms, client):
    user = UserFactory()
    for _ in range(7):
        assert forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
        client.post("/logout", data={"csrf_token": _token(client)})


def test_passwords_are_stored_with_argon2(db):
    stored = passwords.hash_password("mango lantern river 77")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "mango lantern river 77")
    assert not passwords.verify_password(stored, "mango lantern river 78")
    assert not passwords.verify_password(None, "anything")


def test_the_limit_counts_an_address_however_its_letters_are_cased(forms):
    """Login ignores case, so the limit does too: `Name@...` and `NAME@...` share one allowance."""
    user = UserFactory(email="kofi.mensah@example.org")
    for typed in ("Kofi.Mensah@example.org", "KOFI.MENSAH@EXAMPLE.ORG", "kofi.mensah@Example.org",
                  "kOFI.mENSAH@example.org", " kofi.mensah@example.ORG "):
        assert forms.submit("/login", {"email": typed, "password": "wrong guess again"}).status_code == 422
    refused = forms.submit("/login", {"email": "Kofi.MENSAH@example.org", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.get_data(as_text=True)
    assert forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 429
