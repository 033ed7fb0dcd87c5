import pytest

from diaspora.auth.models import User
from diaspora.core.models import OutboxMessage
from tests.factories import UserFactory
from tests.helpers import audit_actions, link_in, row_count
from tests.mailserver import html_body, text_body

GOOD = {"name": "Abena Owusu", "email": "Abena.Owusu@Example.org", "password": "mango lantern river 77"}


def test_registering_sends_a_link_that_confirms_the_address(client, forms, db, smtp_server):
    response = forms.submit("/register", GOOD)
    assert response.status_code == 302  # refreshing the next page sends nothing again
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)

    mail = smtp_server.last_to("abena.owusu@example.org")
    assert mail["Subject"] == "Confirm your email address"
    assert "Hello Abena Owusu" in text_body(mail)
    assert "Confirm my email address" in html_body(mail)

    confirmed = client.get(link_in(text_body(mail)))
    assert confirmed.status_code == 302
    user = db.session.scalar(db.select(User))
    assert user.email == "abena.owusu@example.org" and user.is_verified
    assert audit_actions(user) == ["user.registered", "user.email_verified"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"password": "short1"}, "password", "Use at least 10 characters."),
    ({"password": "password1234"}, "password", "too easy to guess"),
    ({"password": "abena owusu 1"}, "password", "too easy to guess"),
    ({"email": "not-an-email"}, "email", "Enter an email address in the right format"),
    ({"name": ""}, "name", "Enter your full name."),
])
def test_bad_input_is_explained_beside_the_field_and_kept(forms, db, smtp_server, changes, field, message):
    data = {**GOOD, **changes}
    response = forms.submit("/register", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert f'id="{field}-error"' in page and message in page
    if field != "name":
        assert 'value="Abena Owusu"' in page
    if field != "email":
        assert 'value="Abena.Owusu@Example.org"' in page
    assert row_count(User) == 0 and row_count(OutboxMessage) == 0
    assert smtp_server.messages == []


def test_an_address_already_registered_gets_the_same_answer_and_a_warning_mail(forms, db, smtp_server):
    owner = UserFactory(email="kwame@example.org", name="Kwame Mensah")
    fresh = forms.submit("/register", {**GOOD, "email": "someone.new@example.org"}).get_data(as_text=True)
    taken = forms.submit("/register", {**GOOD, "email": "KWAME@example.org"}).get_data(as_text=True)

    assert _without_email(taken, "KWAME@example.org") == _without_email(fresh, "someone.new@example.org")
    assert row_count(User) == 2  # the owner and the new person, no duplicate
    warning = smtp_server.last_to("kwame@example.org")
    assert warning["Subject"] == "Someone tried to register with your email address"
    assert "You already have an account" in text_body(warning)
    db.session.refresh(owner)
    assert owner.name == "Kwame Mensah"


def _without_email(page: str, email: str) -> str:
    import re

    page = page.replace(email, "EMAIL")
    return re.sub(r'name="csrf_token"[^>]*>', "", page)


def test_a_broken_verification_link_says_so(client):
    response = client.get("/verify/not-a-real-token")
    assert response.status_code == 400
    assert "This confirmation link does not work" in response.get_data(as_text=True)


def test_logging_in_before_confirming_sends_a_new_link(forms, db, smtp_server):
    user = UserFactory(unverified=True)
    response = forms.submit("/login", {"email": user.email, "password": "correct horse battery staple 42"},
                            follow_redirects=True)
    assert "You need to confirm your email address" in response.get_data(as_text=True)
    assert smtp_server.last_to(user.email)["Subject"] == "Confirm your email address"
    assert forms.client.get("/dashboard").status_code == 302
