from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import audit_actions, link_in
from tests.mailserver import text_body

NEW_PASSWORD = "tamarind compass harbour 5"


def _reset_link(forms, smtp_server, user) -> str:
    forms.submit("/forgot-password", {"email": user.email})
    mail = smtp_server.last_to(user.email)
    assert mail["Subject"] == "Reset your password"
    assert "works once, for 60 minutes" in text_body(mail)
    return link_in(text_body(mail))


def test_a_reset_link_sets_a_new_password_once(client, forms, smtp_server, db):
    user = UserFactory()
    link = _reset_link(forms, smtp_server, user)

    response = forms.submit(link, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert smtp_server.last_to(user.email)["Subject"] == "Your password was changed"

    old = forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 422
    new = forms.submit("/login", {"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 302
    assert "user.password_reset" in audit_actions(user)

    client.post("/logout", data={"csrf_token": _token(client)})
    again = client.get(link)
    assert again.status_code == 400
    assert "This password reset link does not work" in again.get_data(as_text=True)


def _token(client):
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get("/dashboard").get_data(as_text=True))


def test_an_unknown_address_gets_the_same_answer_and_a_mail_saying_so(client, forms, smtp_server):
    user = UserFactory()
    known = forms.submit("/forgot-password", {"email": user.email})
    unknown = forms.submit("/forgot-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    page = client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert "If an account uses that address" in page
    # The same work either way, one mail: the owner of an unknown address learns nothing new
    # about anyone, and is told how to get in.
    mail = text_body(smtp_server.last_to("nobody@example.org"))
    assert "no account uses it" in mail and "/register" in mail
    assert "/reset-password/" in text_body(smtp_server.last_to(user.email))


def test_an_expired_link_is_refused(app, forms, smtp_server):
    user = UserFactory()
    link = _reset_link(forms, smtp_server, user)
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    try:
        response = forms.client.get(link)
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600
    assert response.status_code == 400


def test_a_weak_new_password_is_explained_and_nothing_changes(forms, smtp_server):
    user = UserFactory()
    link = _reset_link(forms, smtp_server, user)
    response = forms.submit(link, {"password": "password"})
    assert response.status_code == 422
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302




def test_asking_for_reset_links_is_limited_per_address(client, forms):
    """`@limiter.limit("10 per hour")` on the form: the view's own check (the app-wide check on
    every request is switched off, diaspora/__init__.py)."""
    statuses = [forms.submit("/forgot-password", {"email": f"someone{n}@example.org"}).status_code
                for n in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
