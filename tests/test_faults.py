"""Regression tests for faults people met: each asserts what a user would notice (the status,
the text on the page, what the mail says, what is stored)."""

import re

import pytest
import sqlalchemy as sa

from diaspora.associations.models import Association
from diaspora.auth import passwords
from diaspora.auth.models import User
from diaspora.core.models import OutboxMessage
from diaspora.extensions import db
from diaspora.members.models import Profile
from tests.associations.support import APPLICATION, texts_to, world
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD, AssociationFactory, UserFactory
from tests.helpers import link_in, row_count
from tests.mailserver import text_body
from tests.members.conftest import ProfileForms
from tests.members.test_profile import GOOD_PROFILE

WORDS = ("plantain", "harmattan", "kettle", "savanna", "baobab", "lagoon", "cassava", "tamarind",
         "kente", "drumbeat", "monsoon", "jollof", "okra", "ferry", "lantern", "mango", "river")


def passphrase(length: int) -> str:
    """Varied words, exactly `length` characters."""
    words, index = [], 0
    while len(" ".join(words)) < length:
        words.append(f"{WORDS[index % len(WORDS)]}{index}")
        index += 1
    return " ".join(words)[:length]


def field_error(page: str, field: str) -> str:
    """The text of the error paragraph beside `field` ('' when there is none)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', page, re.S)
    return match.group(1) if match else ""


def stored_user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def accepts(user: User, password: str) -> bool:
    return passwords.verify_password(user.password_hash, password)


def log_out(client) -> None:
    token = csrf_token_from(client.get("/dashboard").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


# ---------------------------------------------------------------------------- 1. long passwords


LONG_PASSWORDS = [passphrase(80), passphrase(500)]


@pytest.mark.parametrize("password", LONG_PASSWORDS, ids=["80", "500"])
def test_a_long_password_is_accepted_on_register_and_every_character_counts(forms, password):
    response = forms.submit("/register", {"name": "Abena Owusu", "email": "abena@example.org",
                                          "password": password})
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "password")
    user = stored_user("abena@example.org")
    assert accepts(user, password)
    assert not accepts(user, password[:72] + "x" * (len(password) - 72))  # nothing cut off at 72


@pytest.mark.parametrize("password", LONG_PASSWORDS, ids=["80", "500"])
def test_a_long_password_is_accepted_from_the_reset_link(client, forms, smtp_server, password):
    user = UserFactory(email="kofi@example.org")
    forms.submit("/forgot-password", {"email": user.email})
    link = link_in(text_body(smtp_server.last_to(user.email)))
    response = forms.submit(link, {"password": password})
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "password")
    logged_in = forms.submit("/login", {"email": user.email, "password": password})
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("password", LONG_PASSWORDS, ids=["80", "500"])
def test_a_long_password_is_accepted_on_changing_the_password(client, forms, login, password):
    user = UserFactory()
    login(user)
    response = forms.submit("/account", {"pw-current_password": DEFAULT_PASSWORD, "pw-password": password},
                            action="/account/password")
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "pw-password")
    assert accepts(stored_user(user.email), password)


@pytest.mark.parametrize("password", LONG_PASSWORDS, ids=["80", "500"])
def test_a_long_password_is_accepted_on_accepting_an_invitation(client, forms, login, smtp_server, password):
    w = world()
    login(w.officer)
    forms.submit("/associations/ghana-nurses-uk/invite",
                 {"email": "yaa@example.org", "name": "Yaa Asantewaa", "membership_type": str(w.type.id)})
    log_out(client)
    link = link_in(texts_to(smtp_server, "yaa@example.org")[-1])
    response = forms.submit(link, {"name": "Yaa Asantewaa", "password": password})
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "password")
    assert accepts(stored_user("yaa@example.org"), password)


def test_a_password_over_1000_characters_is_refused_beside_the_field(forms, smtp_server):
    response = forms.submit("/register", {"name": "Abena Owusu", "email": "abena@example.org",
                                          "password": passphrase(1001)})
    assert response.status_code == 422
    assert "Use at most 1000 characters." in field_error(response.get_data(as_text=True), "password")
    assert row_count(User) == 0 and row_count(OutboxMessage) == 0


def test_a_password_over_1000_characters_is_refused_on_changing_the_password(forms, login):
    login(UserFactory())
    response = forms.submit("/account", {"pw-current_password": DEFAULT_PASSWORD,
                                         "pw-password": passphrase(1001)}, action="/account/password")
    assert response.status_code == 422
    assert "Use at most 1000 characters." in field_error(response.get_data(as_text=True), "pw-password")


# ---------------------------------------------------------------------------- 2. internationalised addresses


def test_an_address_with_a_non_ascii_name_is_refused_with_a_clear_message(forms, smtp_server):
    response = forms.submit("/register", {"name": "Ọkọ Adé", "email": "ọkọ@exämple.org",
                                          "password": "mango lantern river 77"})
    assert response.status_code == 422
    assert "plain Latin letters" in field_error(response.get_data(as_text=True), "email")
    assert row_count(User) == 0 and row_count(OutboxMessage) == 0
    assert smtp_server.messages == []


def test_an_internationalised_domain_is_stored_in_ascii_and_its_mail_arrives(forms, smtp_server):
    response = forms.submit("/register", {"name": "Ama Mensah", "email": "ama@exämple.org",
                                          "password": "mango lantern river 77"})
    assert response.status_code == 302
    assert stored_user("ama@xn--exmple-cua.org") is not None
    mail = smtp_server.last_to("ama@xn--exmple-cua.org")
    assert mail["Subject"] == "Confirm your email address"


# ---------------------------------------------------------------------------- 3. huge ids and bad cursors


HUGE = "123456789012345678901234567890"


def test_a_30_digit_id_in_a_url_is_not_found(client, login):
    w = world()
    login(w.officer)
    assert client.get(f"/associations/ghana-nurses-uk/members/{w.member_membership.id}").status_code == 200
    assert client.get(f"/associations/ghana-nurses-uk/members/{HUGE}").status_code == 404
    assert client.get("/profile/credentials/999999999999999999999999999/evidence").status_code == 404
    assert client.get(f"/memberships/{HUGE}/leave").status_code == 404


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "W10", "x" * 5000, "WzEsMl0" * 700])
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_bad_cursor_is_not_found_on_every_list(client, login, cursor, direction):
    w = world()
    assert client.get(f"/associations?{direction}={cursor}").status_code == 404
    login(w.officer)
    assert client.get(f"/associations/ghana-nurses-uk/directory?{direction}={cursor}").status_code == 404


# ---------------------------------------------------------------------------- 4. messages that say what is wrong


def _reject(forms, slug: str, reason: str):
    return forms.submit(f"/admin/associations/{slug}", {"reason": reason},
                        action=f"/admin/associations/{slug}/reject")


def test_a_very_long_rejection_reason_is_told_its_limit(forms, login):
    pending = AssociationFactory(status=Association.PENDING, applied_by=UserFactory())
    login(UserFactory(admin=True))
    response = _reject(forms, pending.slug, "A reason that goes on. " * 435)  # 10,005 characters
    error = field_error(response.get_data(as_text=True), "reason")
    assert response.status_code == 422
    assert "Keep the reason to 2000 characters" in error
    assert "at least 10 characters" not in error


def test_a_very_short_rejection_reason_is_told_its_minimum(forms, login):
    pending = AssociationFactory(status=Association.PENDING, applied_by=UserFactory())
    login(UserFactory(admin=True))
    response = _reject(forms, pending.slug, "Nope.")
    error = field_error(response.get_data(as_text=True), "reason")
    assert response.status_code == 422
    assert "at least 10 characters" in error and "Keep the reason" not in error


def test_a_bad_website_is_explained_once(forms, login):
    login(UserFactory())
    response = forms.submit("/associations/new", {**APPLICATION, "website": "not a url"})
    error = field_error(response.get_data(as_text=True), "website")
    assert response.status_code == 422
    assert error.count("Enter the full address of the website") == 1
    assert row_count(Association) == 0


# ---------------------------------------------------------------------------- 5. languages by name


@pytest.mark.parametrize(("typed", "code"), [
    ("Yorùbá", "yor"), ("yoruba", "yor"), ("Èdè Yorùbá", "yor"),
    ("Kiswahili", "swa"), ("français", "fra"), ("Twi", "twi"),
])
def test_languages_are_found_by_their_own_names(client, login, typed, code):
    user = UserFactory()
    login(user)
    response = ProfileForms(client).submit({**GOOD_PROFILE, "languages": typed})
    assert response.status_code == 302, field_error(response.get_data(as_text=True), "languages")
    db.session.expire_all()
    assert [row.language for row in db.session.get(Profile, user.id).languages] == [code]


def test_several_spellings_of_one_language_are_stored_once(client, login):
    user = UserFactory()
    login(user)
    response = ProfileForms(client).submit({**GOOD_PROFILE, "languages": "Yorùbá, yoruba, Èdè Yorùbá, Kiswahili"})
    assert response.status_code == 302
    db.session.expire_all()
    assert sorted(row.language for row in db.session.get(Profile, user.id).languages) == ["swa", "yor"]


# ---------------------------------------------------------------------------- 6. public pages


def test_an_approved_association_and_the_list_are_public(client):
    AssociationFactory(name="Ghana Nurses UK", slug="ghana-nurses-uk")
    page = client.get("/associations/ghana-nurses-uk")
    assert page.status_code == 200 and "Ghana Nurses UK" in page.get_data(as_text=True)
    listing = client.get("/associations")
    assert listing.status_code == 200 and "Ghana Nurses UK" in listing.get_data(as_text=True)


def test_a_pending_association_is_not_found_by_a_visitor(client):
    AssociationFactory(name="Kenyan Midwives USA", slug="kenyan-midwives-usa", status=Association.PENDING)
    assert client.get("/associations/kenyan-midwives-usa").status_code == 404
    assert "Kenyan Midwives USA" not in client.get("/associations").get_data(as_text=True)


# ---------------------------------------------------------------------------- 7. post, redirect, get


def test_registering_redirects_and_refreshing_the_next_page_creates_nothing(client, forms, smtp_server):
    response = forms.submit("/register", {"name": "Abena Owusu", "email": "abena@example.org",
                                          "password": "mango lantern river 77"})
    assert response.status_code == 302 and response.headers["Location"] == "/register/sent"
    for _ in range(2):
        page = client.get("/register/sent")
        assert page.status_code == 200
        assert "Check your email" in page.get_data(as_text=True)
        assert "abena@example.org" in page.get_data(as_text=True)
    assert row_count(User) == 1 and row_count(OutboxMessage) == 1
    smtp_server.last_to("abena@example.org")
    assert len(smtp_server.messages) == 1


def test_applying_redirects_and_refreshing_the_next_page_creates_nothing(client, forms, login):
    UserFactory(admin=True)
    login(UserFactory())
    response = forms.submit("/associations/new", APPLICATION)
    slug = db.session.scalar(sa.select(Association.slug))
    assert response.status_code == 302 and response.headers["Location"] == f"/associations/{slug}/applied"
    mails = row_count(OutboxMessage)
    for _ in range(2):
        page = client.get(response.headers["Location"])
        assert page.status_code == 200
        assert "Your application is sent" in page.get_data(as_text=True)
        assert "Ghana Nurses Association UK" in page.get_data(as_text=True)
    assert row_count(Association) == 1 and row_count(OutboxMessage) == mails == 1
