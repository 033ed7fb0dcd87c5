"""Regression tests for security findings: each asserts what an attacker (or a user) would
notice: where a mailed link points, who is still logged in, what a page allows."""

import re
import socket
import threading
import time
from io import BytesIO

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from diaspora import create_app
from diaspora.associations.models import Association, Membership
from diaspora.auth import passwords
from diaspora.auth.models import User
from diaspora.core.models import OutboxMessage, StoredFile
from diaspora.extensions import db
from diaspora.members.models import Profile
from tests.associations.support import world
from tests.conftest import csrf_token_from, log_in_session
from tests.factories import DEFAULT_PASSWORD, AssociationFactory, MembershipFactory, UserFactory
from tests.helpers import row_count
from tests.mailserver import html_body, text_body
from tests.members.conftest import ProfileForms
from tests.members.test_profile import GOOD_PROFILE

GOOD_PASSWORD = "mango lantern river 77"


# ---------------------------------------------------------------------------- 8. links in mail and the Host header


EVIL = {"Host": "evil.example"}


def submit_as_host(client, page_url: str, data: dict, headers: dict = EVIL, action: str | None = None):
    """Submit a form with a forged Host header on both the GET and the POST."""
    page = client.get(page_url, headers=headers)
    assert page.status_code == 200, page.status_code
    return client.post(action or page_url, headers=headers,
                       data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data})


def assert_links_point_home(message) -> None:
    text, html = text_body(message), html_body(message)
    assert "evil.example" not in text and "evil.example" not in html
    links = re.findall(r"https?://\S+", text)
    assert links and all(link.startswith("http://localhost/") for link in links), links


def test_a_forged_host_does_not_poison_the_reset_link(client, smtp_server):
    user = UserFactory(email="kofi@example.org")
    response = submit_as_host(client, "/forgot-password", {"email": user.email})
    assert response.status_code == 302
    mail = smtp_server.last_to(user.email)
    assert mail["Subject"] == "Reset your password"
    assert_links_point_home(mail)


def test_a_forged_host_does_not_poison_the_verification_link(client, smtp_server):
    response = submit_as_host(client, "/register", {"name": "Ama Mensah", "email": "ama@example.org",
                                                    "password": GOOD_PASSWORD})
    assert response.status_code == 302
    mail = smtp_server.last_to("ama@example.org")
    assert mail["Subject"] == "Confirm your email address"
    assert_links_point_home(mail)


def test_a_forged_host_does_not_poison_an_invitation(client, login, smtp_server):
    w = world()
    login(w.officer)
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    response = submit_as_host(client, "/associations/ghana-nurses-uk/invite",
                              {"email": "yaa@example.org", "name": "Yaa", "membership_type": str(w.type.id)})
    assert response.status_code == 302
    mail = smtp_server.last_to("yaa@example.org")
    assert mail["Subject"] == "You are invited to join Ghana Nurses UK"
    assert_links_point_home(mail)


def test_production_refuses_a_host_it_does_not_serve(monkeypatch):
    from joserfc.jwk import OKPKey

    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("CREDENTIAL_SIGNING_KEY",
                       OKPKey.generate_key("Ed25519", private=True).as_pem(private=True).decode())
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SERVER_NAME", "diaspora-health.example.org")
    monkeypatch.setenv("TRUSTED_HOSTS", "diaspora-health.example.org, www.diaspora-health.example.org")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    client = app.test_client()
    assert client.get("/forgot-password", headers=EVIL).status_code == 400
    assert client.post("/forgot-password", headers=EVIL, data={"email": "kofi@example.org"}).status_code == 400
    assert client.get("/", base_url="https://www.diaspora-health.example.org").status_code == 200


# ---------------------------------------------------------------------------- 9. two officers at once


def _at_once(app, users, path: str, data: dict) -> list[int]:
    """Each user, from their own browser and thread, POSTs `data` to `path` (formatted with
    `membership_id`) at the same moment; returns the status codes."""
    barrier = threading.Barrier(len(users))
    statuses: list[int | BaseException] = [0] * len(users)

    def run(index: int, user_id: int, membership_id: int) -> None:
        try:
            with app.app_context():
                client = app.test_client()
                user = db.session.get(User, user_id)
                log_in_session(client, user)
                url = path.format(membership_id=membership_id)
                token = csrf_token_from(client.get(url).get_data(as_text=True))
                db.session.remove()
                barrier.wait(timeout=10)
                statuses[index] = client.post(url, data={"csrf_token": token, **data}).status_code
        except BaseException as error:  # noqa: BLE001 (shown by the assertion below)
            statuses[index] = error
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, user.id, membership.id))
               for i, (user, membership) in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(status, int) for status in statuses), statuses
    return statuses


def _officers_of_one_association():
    association = AssociationFactory()
    first = MembershipFactory(association=association, officer=True)
    second = MembershipFactory(association=association, officer=True)
    return association, [(first.user, first), (second.user, second)]


def _active_officers(association_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.association_id == association_id, Membership.role == Membership.OFFICER,
        Membership.status == Membership.ACTIVE))


@pytest.mark.postgres_only
@pytest.mark.parametrize("attempt", range(5))
def test_two_officers_leaving_at_once_leave_one_behind(app, attempt):
    association, officers = _officers_of_one_association()
    statuses = _at_once(app, officers, "/memberships/{membership_id}/leave", {})
    assert sorted(statuses) == [302, 409]
    left = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.association_id == association.id, Membership.status == Membership.LEFT))
    assert left == 1 and _active_officers(association.id) == 1


@pytest.mark.postgres_only
@pytest.mark.parametrize("attempt", range(5))
def test_two_officers_deleting_their_accounts_at_once_leave_one_behind(app, attempt):
    association, officers = _officers_of_one_association()
    statuses = _at_once(app, officers, "/account/delete", {"password": DEFAULT_PASSWORD})
    assert sorted(statuses) == [302, 409]
    deleted = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.deleted_at.is_not(None)))
    assert deleted == 1 and _active_officers(association.id) == 1


# ---------------------------------------------------------------------------- 10. a hanging mail server


HANG_FOR = 8  # seconds; then the connection closes, so an app without a timeout fails, not hangs


@pytest.fixture
def hanging_smtp_server():
    """A TCP server on loopback that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    held: list[tuple[socket.socket, float]] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            for connection, since in list(held):
                if time.monotonic() - since > HANG_FOR:
                    connection.close()
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append((connection, time.monotonic()))  # and never answer

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for connection, _since in held:
        connection.close()
    listener.close()


def test_a_hanging_mail_server_delays_mail_not_the_app(app, forms, monkeypatch, hanging_smtp_server):
    monkeypatch.setitem(app.config, "MAIL_PORT", hanging_smtp_server)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 1)
    # Flask-Mail copies its settings when the app starts: point that copy at the server too.
    monkeypatch.setattr(app.extensions["mail"], "port", hanging_smtp_server)

    started = time.monotonic()
    response = forms.submit("/register", {"name": "Ama Mensah", "email": "ama@example.org",
                                          "password": GOOD_PASSWORD})
    assert time.monotonic() - started < 5
    assert response.status_code == 302
    assert row_count(User) == 1
    db.session.expire_all()
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.status == OutboxMessage.QUEUED and message.sent_at is None
    assert message.last_error and message.body_text  # kept, to try again

    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--now"])
    assert time.monotonic() - started < 5
    assert "0 sent, 1 failed" in result.output
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxMessage.QUEUED


# ---------------------------------------------------------------------------- 11. cookies and sessions


def _log_out(client) -> None:
    token = csrf_token_from(client.get("/dashboard").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def _browser_with(app, name: str, value: str):
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def test_a_session_cookie_copied_before_logout_stops_working(app, client, login_via_form):
    login_via_form(UserFactory())
    copied = client.get_cookie("session").value
    assert _browser_with(app, "session", copied).get("/dashboard").status_code == 200
    _log_out(client)
    assert _browser_with(app, "session", copied).get("/dashboard").status_code == 302


def test_a_remember_me_cookie_copied_before_logout_stops_working(app, client, forms):
    user = UserFactory()
    response = forms.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    copied = client.get_cookie("remember_token").value
    assert _browser_with(app, "remember_token", copied).get("/dashboard").status_code == 200
    _log_out(client)
    assert _browser_with(app, "remember_token", copied).get("/dashboard").status_code == 302


def test_a_csrf_token_from_before_login_is_refused_after_it(client):
    user = UserFactory()
    before = csrf_token_from(client.get("/login").get_data(as_text=True))
    logged_in = client.post("/login", data={"csrf_token": before, "email": user.email, "password": DEFAULT_PASSWORD})
    assert logged_in.status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/dashboard").status_code == 200  # still logged in
    _log_out(client)  # a token from after login works


# ---------------------------------------------------------------------------- 12. the same work either way


@pytest.fixture
def hasher_calls(monkeypatch):
    """How many argon2 hashes and verifications ran."""
    calls = {"hash": 0, "verify": 0}
    for name in calls:
        original = getattr(PasswordHasher, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counting)
    return calls


def _outbox_growth(submit) -> tuple[int, object]:
    before = row_count(OutboxMessage)
    response = submit()
    return row_count(OutboxMessage) - before, response


def test_forgot_password_does_the_same_for_known_and_unknown_addresses(forms):
    user = UserFactory()
    known_mails, known = _outbox_growth(lambda: forms.submit("/forgot-password", {"email": user.email}))
    unknown_mails, unknown = _outbox_growth(lambda: forms.submit("/forgot-password",
                                                                 {"email": "nobody@example.org"}))
    assert known_mails == unknown_mails == 1
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]


def test_register_does_the_same_for_known_and_unknown_addresses(forms, hasher_calls):
    user = UserFactory()
    data = {"name": "Ama Mensah", "password": GOOD_PASSWORD}
    known_mails, known = _outbox_growth(lambda: forms.submit("/register", {**data, "email": user.email}))
    known_hashes = hasher_calls["hash"]
    unknown_mails, unknown = _outbox_growth(lambda: forms.submit("/register", {**data, "email": "new@example.org"}))
    assert known_hashes == hasher_calls["hash"] - known_hashes == 1
    assert known_mails == unknown_mails == 1
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]


@pytest.mark.parametrize("password_hash", [passwords.UNUSABLE_PREFIX + "imported", None, "real"])
def test_every_login_runs_one_argon2_verification(forms, hasher_calls, password_hash):
    if password_hash is None:
        email = "nobody@example.org"
    else:
        kwargs = {} if password_hash == "real" else {"password_hash": password_hash}
        email = UserFactory(**kwargs).email
    response = forms.submit("/login", {"email": email, "password": "a guess that is wrong 1"})
    assert response.status_code == 422
    assert hasher_calls["verify"] == 1


# ---------------------------------------------------------------------------- 13. inputs that gave a 500


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_nul_byte_in_a_name_never_reaches_the_database(forms):
    response = forms.submit("/register", {"name": "Ama\x00 Mensah", "email": "ama@example.org",
                                          "password": GOOD_PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.name == "Ama Mensah"


def test_a_nul_byte_in_a_search_is_harmless(client, login):
    w = world()
    login(w.officer)
    directory = client.get("/associations/ghana-nurses-uk/directory?q=%00")
    assert directory.status_code == 200
    assert client.get("/associations?q=%00").status_code == 200


def test_a_nul_byte_in_a_profile_field_never_reaches_the_database(client, login):
    user = UserFactory()
    login(user)
    response = ProfileForms(client).submit({**GOOD_PROFILE, "specialty": "Critical\x00 care"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Profile, user.id).specialty == "Critical care"


def test_a_nul_in_a_path_and_an_enormous_page_number_are_harmless(client):
    AssociationFactory(name="Ghana Nurses UK")
    assert client.get("/associations/%00").status_code == 404
    response = client.get("/associations?page=400000000000000000")
    assert response.status_code == 200 and "Ghana Nurses UK" in response.get_data(as_text=True)


def test_an_evidence_file_with_a_300_character_name_keeps_its_extension(client, forms, login):
    login(UserFactory())
    name = "certificate-" + "x" * 284 + ".pdf"
    assert len(name) == 300
    response = forms.submit("/profile/credentials/new", {
        "kind": "qualification", "title": "MSc Advanced Nursing Practice", "awarding_body": "University of Leeds",
        "year": "2019", "evidence": (BytesIO(PDF), name)}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = db.session.scalar(sa.select(StoredFile))
    assert len(stored.filename) <= 200
    assert stored.filename.startswith("certificate-x") and stored.filename.endswith(".pdf")


# ---------------------------------------------------------------------------- 14. a long line in a mail


def test_a_1200_character_reason_arrives_whole(forms, login, smtp_server):
    applicant = UserFactory(email="applicant@example.org")
    pending = AssociationFactory(status=Association.PENDING, applied_by=applicant)
    login(UserFactory(admin=True))
    reason = ("We could not confirm that the association is registered in the host country " * 20)[:1200]
    assert len(reason) == 1200 and "\n" not in reason
    response = forms.submit(f"/admin/associations/{pending.slug}", {"reason": reason},
                            action=f"/admin/associations/{pending.slug}/reject")
    assert response.status_code == 302
    assert reason.strip() in text_body(smtp_server.last_to("applicant@example.org"))


# ---------------------------------------------------------------------------- 15. security headers


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*[^<\s]", re.I)
INLINE_STYLE = re.compile(r"\sstyle=\"|<style[\s>]", re.I)


def assert_safe_page(response) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert "default-src" in policy and "unsafe-inline" not in policy
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy")
    page = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page).group(0)
    assert not INLINE_STYLE.search(page), page[INLINE_STYLE.search(page).start() - 80:][:160]


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/forgot-password", "/associations"])
def test_public_pages_carry_the_security_headers_and_may_be_cached(client, path):
    AssociationFactory(name="Ghana Nurses UK")
    response = client.get(path)
    assert response.status_code == 200
    assert_safe_page(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/dashboard", "/profile", "/profile/edit", "/account", "/memberships",
                                  "/associations/ghana-nurses-uk", "/associations/ghana-nurses-uk/directory",
                                  "/associations/ghana-nurses-uk/manage", "/profile/credentials/new"])
def test_pages_for_someone_logged_in_are_never_stored(client, login, path):
    w = world()
    login(w.officer)
    response = client.get(path)
    assert response.status_code == 200
    assert_safe_page(response)
    assert "no-store" in response.headers.get("Cache-Control", "")
