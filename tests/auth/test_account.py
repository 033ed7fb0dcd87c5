from flask.testing import FlaskClient

from tests.conftest import Forms
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import audit_actions, link_in
from tests.mailserver import text_body

NEW_PASSWORD = "tamarind compass harbour 5"


def test_changing_the_password_logs_out_other_devices(app, client, forms, login, smtp_server, db):
    user = UserFactory()
    other_device = app.test_client()
    signed_in = Forms(other_device).submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 302
    login(user)

    response = forms.submit("/account", {"pw-current_password": DEFAULT_PASSWORD,
                                         "pw-password": NEW_PASSWORD}, action="/account/password")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this device stays logged in
    assert other_device.get("/dashboard").status_code == 302  # the other is logged out
    assert smtp_server.last_to(user.email)["Subject"] == "Your password was changed"
    assert "user.password_changed" in audit_actions(user)


def test_a_wrong_current_password_is_explained_beside_it(forms, login):
    user = UserFactory()
    login(user)
    response = forms.submit("/account", {"pw-current_password": "not it at all", "pw-password": NEW_PASSWORD},
                            action="/account/password")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="pw-current_password-error"' in page
    assert "Your current password is not right." in page


def test_changing_the_email_needs_the_link_sent_to_the_new_address(client: FlaskClient, forms, login,
                                                                  smtp_server, db):
    user = UserFactory(email="old@example.org")
    login(user)
    response = forms.submit("/account", {"em-email": "new@example.org", "em-password": DEFAULT_PASSWORD},
                            action="/account/email")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == "old@example.org"  # not until the link is followed

    link = link_in(text_body(smtp_server.last_to("new@example.org")))
    assert client.get(link).status_code == 302
    db.session.refresh(user)
    assert user.email == "new@example.org"
    assert "now uses new@example.org" in text_body(smtp_server.last_to("old@example.org"))
    assert audit_actions(user)[-1] == "user.email_changed"
    assert client.get(link).status_code == 400  # used once


def test_an_address_in_use_is_not_taken_and_its_owner_is_told(forms, login, smtp_server, db):
    UserFactory(email="taken@example.org")
    user = UserFactory(email="mine@example.org")
    login(user)
    response = forms.submit("/account", {"em-email": "taken@example.org", "em-password": DEFAULT_PASSWORD},
                            action="/account/email")
    assert response.status_code == 302
    assert smtp_server.last_to("taken@example.org")["Subject"] == "Someone tried to use your email address"
    db.session.refresh(user)
    assert user.email == "mine@example.org"


def test_a_bad_new_email_keeps_what_was_typed(forms, login):
    login(UserFactory())
    response = forms.submit("/account", {"em-email": "nope@", "em-password": DEFAULT_PASSWORD},
                            action="/account/email")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="nope@"' in page and 'id="em-email-error"' in page
