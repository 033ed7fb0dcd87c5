"""Two-factor sign-in: enrolment, the code after the password, replay, recovery codes, the
limit on wrong codes, the requirement for admins and desk officers, turning it off, resets."""

import html
import json
import re
import time
from urllib.parse import unquote

import pyotp
import pytest
import sqlalchemy as sa

from diaspora.auth import two_factor
from diaspora.auth.models import RecoveryCode, User
from diaspora.extensions import db
from tests.conftest import Forms, code_for, csrf_token_from
from tests.factories import DEFAULT_PASSWORD, DeskOfficerFactory, UserFactory
from tests.helpers import audit_actions
from tests.mailserver import text_body

SECRET_ON_PAGE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')
DOWNLOAD_LINK = re.compile(r'href="data:text/plain;charset=utf-8,([^"]+)" download="[^"]*recovery[^"]*"')
CODES_ON_PAGE = re.compile(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>")


def _reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _code(secret: str, step_offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + step_offset * 30)


def _enrol_through_pages(client, forms) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    response = forms.submit("/account/two-factor", {"code": _code(secret)}, follow_redirects=True)
    assert response.status_code == 200
    codes = CODES_ON_PAGE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _download_on(page: str) -> str:
    """The text file the page's "Download as text" link gives (a data: link, so the codes are
    asked for nowhere again)."""
    link = DOWNLOAD_LINK.search(page)
    assert link, "no download link"
    return unquote(html.unescape(link.group(1)))


def _log_out(client):
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def _password_step(forms, user, password=DEFAULT_PASSWORD):
    return forms.submit("/login", {"email": user.email, "password": password})


def _enrolled(**kwargs) -> User:
    user = UserFactory(**kwargs)
    two_factor.enrol_for_demo(user)
    db.session.commit()
    return user


# ---------------------------------------------------------------------------- enrolment


def test_enrolment_refuses_a_wrong_code_and_the_right_one_turns_it_on(client, forms, login, smtp_server):
    user = UserFactory(name="Adjoa Sarpong")
    login(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "qr-code" in page  # the QR code, inline
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    assert len(secret) == 32
    # the QR code carries the otpauth URI the brief names (decoded by its own data)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Diaspora Health Network")
    assert two_factor.provisioning_uri(_reload(user)) == uri
    assert secret not in (_reload(user).totp_secret or "")  # stored encrypted, not as the key

    wrong = forms.submit("/account/two-factor", {"code": "000000" if _code(secret) != "000000" else "111111"})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.get_data(as_text=True)
    assert not _reload(user).two_factor_enabled

    response = forms.submit("/account/two-factor", {"code": _code(secret)})
    assert response.status_code == 200
    codes_page = response.get_data(as_text=True)
    codes = CODES_ON_PAGE.findall(codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Two-factor sign-in is on. Other devices have been logged out." in codes_page
    download = _download_on(codes_page)
    assert download.startswith("Diaspora Health Network: recovery codes for " + user.email)
    assert all(code in download for code in codes)
    assert _reload(user).two_factor_enabled
    assert "user.two_factor_enabled" in audit_actions(user)
    assert "Two-factor sign-in is on" in [m["Subject"] for m in smtp_server.to(user.email)]

    # shown once: after "I have saved them", neither the codes nor the secret appear again
    assert 'href="/account/two-factor">I have saved my recovery codes</a>' in codes_page
    settings = client.get("/account/two-factor").get_data(as_text=True)
    assert secret not in settings.replace(" ", "") and not any(code in settings for code in codes)
    assert "Recovery codes left" in settings


def test_turning_it_on_logs_out_the_other_sessions(app, client, forms, login):
    user = UserFactory()
    login(user)
    other = app.test_client()
    from tests.conftest import log_in_session

    log_in_session(other, user)
    assert other.get("/account").status_code == 200
    _enrol_through_pages(client, forms)
    assert other.get("/account").status_code == 302  # to the login page
    assert client.get("/account").status_code == 200


# ---------------------------------------------------------------------------- logging in


def test_the_password_alone_does_not_log_in_and_the_code_page_asks_for_the_code(client, forms):
    user = _enrolled(name="Kojo Antwi")
    response = _password_step(forms, user)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert client.get("/dashboard").status_code == 302  # not logged in yet
    page = client.get("/login/code").get_data(as_text=True)
    assert "Enter your sign-in code" in page and 'autocomplete="one-time-code"' in page


def test_a_wrong_code_then_the_right_one(client, forms):
    user = _enrolled(name="Kojo Antwi")
    _password_step(forms, user)
    right = code_for(user)
    wrong = forms.submit("/login/code", {"code": "123456" if right != "123456" else "654321"})
    assert wrong.status_code == 422
    assert "That code is not right, or it has been used already." in wrong.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    response = forms.submit("/login/code", {"code": right})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert "Welcome, <bdi>Kojo Antwi</bdi>" in client.get("/dashboard").get_data(as_text=True)
    assert "user.logged_in" in audit_actions(user)


def test_the_same_code_is_refused_a_second_time(client, forms):
    user = _enrolled()
    code = code_for(user)
    _password_step(forms, user)
    assert forms.submit("/login/code", {"code": code}).status_code == 302
    _log_out(client)
    _password_step(forms, user)
    replay = forms.submit("/login/code", {"code": code})
    assert replay.status_code == 422
    assert client.get("/dashboard").status_code == 302


def test_a_recovery_code_works_once(client, forms, login):
    user = UserFactory()
    login(user)
    _secret, codes = _enrol_through_pages(client, forms)
    _log_out(client)

    _password_step(forms, user)
    response = forms.submit("/login/code", {"code": codes[0].upper().replace("-", " ")})  # as typed from paper
    assert response.status_code == 302
    assert "9 are left" in client.get("/dashboard").get_data(as_text=True)
    assert "user.recovery_code_used" in audit_actions(user)
    _log_out(client)

    _password_step(forms, user)
    assert forms.submit("/login/code", {"code": codes[0]}).status_code == 422
    assert forms.submit("/login/code", {"code": codes[1]}).status_code == 302


def test_wrong_codes_are_limited_and_then_even_the_right_one_waits(client, forms):
    user = _enrolled()
    _password_step(forms, user)
    right = code_for(user)
    wrong = "000000" if right != "000000" else "999999"
    for _attempt in range(5):
        assert forms.submit("/login/code", {"code": wrong}).status_code == 422
    blocked = forms.submit("/login/code", {"code": right})
    assert blocked.status_code == 429
    assert "Too many wrong codes" in blocked.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_the_code_page_expires_a_few_minutes_after_the_password(client, forms, monkeypatch):
    from diaspora.auth import two_factor_views

    user = _enrolled()
    _password_step(forms, user)
    token = csrf_token_from(client.get("/login/code").get_data(as_text=True))
    monkeypatch.setattr(two_factor_views, "PENDING_MAX_AGE", 0)  # as if its 5 minutes had passed
    time.sleep(1.1)
    response = client.post("/login/code", data={"csrf_token": token, "code": code_for(user)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_a_session_logged_in_without_the_code_is_ended(client, login):
    """A session that never gave the code (logged in before it was turned on) must give it."""
    user = _enrolled()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302


# ---------------------------------------------------------------------------- required roles


def test_an_admin_without_it_is_sent_to_enrolment_until_enrolled(client, forms, login_via_form):
    admin = UserFactory(admin=True)
    login_via_form(admin)
    for path in ("/admin/styleguide", "/dashboard", "/account", "/admin/two-factor"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", path
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Platform administrators and desk officers must use two-factor sign-in" in page
    assert "Not now" not in page

    _enrol_through_pages(client, forms)
    assert client.get("/admin/styleguide").status_code == 200


def test_a_desk_officer_without_it_is_sent_to_enrolment(client, login_via_form):
    officer = DeskOfficerFactory().user
    login_via_form(officer)
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"


def test_a_member_may_go_on_without_it(client, login_via_form):
    login_via_form(UserFactory())
    assert client.get("/dashboard").status_code == 200


# ---------------------------------------------------------------------------- turning it off


def test_turning_it_off_needs_the_password_and_a_code(client, forms, login, smtp_server):
    user = UserFactory()
    login(user)
    secret, _codes = _enrol_through_pages(client, forms)
    wrong_password = forms.submit("/account/two-factor", {"off-password": "not my password",
                                                          "off-code": _code(secret, 1)},
                                  action="/account/two-factor/off")
    assert wrong_password.status_code == 422 and _reload(user).two_factor_enabled
    response = forms.submit("/account/two-factor", {"off-password": DEFAULT_PASSWORD,
                                                    "off-code": code_for(_reload(user))},
                            action="/account/two-factor/off")
    assert response.status_code == 302
    user = _reload(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert "Two-factor sign-in is off" in [m["Subject"] for m in smtp_server.to(user.email)]
    _log_out(client)
    assert _password_step(forms, user).headers["Location"] == "/dashboard"  # the password alone again


def test_an_admin_cannot_turn_it_off_but_can_move_it_to_a_new_phone(client, forms, login):
    admin = _enrolled(admin=True)
    login(admin)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "it cannot be turned off" in page and "Turn off two-factor sign-in" not in page
    assert forms.submit("/account/two-factor", {"off-password": "not my password", "off-code": code_for(admin)},
                        action="/account/two-factor/off").status_code == 422
    old_secret = two_factor.secret_of(_reload(admin))
    response = forms.submit("/account/two-factor", {"off-password": DEFAULT_PASSWORD, "off-code": code_for(admin)},
                            action="/account/two-factor/off")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    admin = _reload(admin)
    assert not admin.two_factor_enabled and two_factor.secret_of(admin) not in (None, old_secret)
    assert client.get("/admin/styleguide").headers["Location"] == "/account/two-factor"  # until set up again
    assert "user.two_factor_restarted" in audit_actions(admin)


# ---------------------------------------------------------------------------- a lost phone


def test_an_admin_resets_someones_second_factor_audited_and_emailed(app, client, forms, login, smtp_server):
    person = _enrolled(email="lost.phone@example.org")
    admin = _enrolled(admin=True)
    login(admin)
    response = forms.submit("/admin/two-factor", {"email": "Lost.Phone@example.org",
                                                  "reason": "Lost phone; checked on a video call"})
    assert response.status_code == 302
    person = _reload(person)
    assert not person.two_factor_enabled and person.totp_secret is None
    assert "user.two_factor_reset" in audit_actions(person)
    mail = [m for m in smtp_server.to(person.email) if m["Subject"] == "Your two-factor sign-in was reset"]
    assert mail and "http://localhost/login" in text_body(mail[0])
    theirs = Forms(app.test_client())
    assert _password_step(theirs, person).headers["Location"] == "/dashboard"  # the password alone now


def test_the_reset_page_is_for_admins_only(client, login):
    login(UserFactory())
    assert client.get("/admin/two-factor").status_code == 403


def test_the_command_resets_the_last_admin(app, db):
    admin = _enrolled(admin=True, email="only.admin@example.org")
    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", "only.admin@example.org"])
    assert result.exit_code == 0, result.output
    assert not _reload(admin).two_factor_enabled


def test_export_says_whether_it_is_on_and_erasure_removes_the_codes(client, forms, login):
    user = _enrolled()
    login(user)
    data = client.get("/account/export").get_json()
    assert data["two_factor"]["enabled"] is True and data["two_factor"]["recovery_codes_left"] == 10
    assert "secret" not in str(data["two_factor"]).lower()
    assert forms.submit("/account/delete", {"password": DEFAULT_PASSWORD}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    erased = _reload(user)
    assert erased.totp_secret is None and erased.totp_enabled_at is None


# ---------------------------------------------------------------------------- the mark is the account's


def test_a_stale_session_with_a_second_factor_does_not_lend_it_to_a_remembered_desk_officer(app, client, forms):
    """Enrolled A's session (with the code given), stale once A logged out elsewhere, sent with
    desk officer B's remember-me cookie: Flask-Login loads B from the cookie, and B, who never
    set up a second factor, must set it up before reaching the desk's queue."""
    enrolled = _enrolled(name="Ama Serwaa")
    officer = DeskOfficerFactory()
    queue = f"/desks/{officer.desk_id}/queue"
    theirs = app.test_client()  # B's own browser: password only, "keep me logged in"
    Forms(theirs).submit("/login", {"email": officer.user.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    remember = theirs.get_cookie("remember_token").value

    _password_step(forms, enrolled)
    assert forms.submit("/login/code", {"code": code_for(enrolled)}).status_code == 302
    assert client.get("/dashboard").status_code == 200
    from diaspora.auth import services

    services.end_sessions(_reload(enrolled))  # A logs out everywhere: this session no longer loads
    db.session.commit()
    client.set_cookie("remember_token", remember)

    response = client.get(queue)
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Platform administrators and desk officers must use two-factor sign-in" in page
    assert client.get(queue).headers["Location"] == "/account/two-factor"  # the mark is gone, not lent later


def test_a_remembered_enrolled_person_keeps_going_and_a_password_change_keeps_this_session(app, client, forms):
    """The mark follows its own account: a remember-me cookie made with the code, and a new
    password in the session that gave the code, keep the person in; other sessions go."""
    officer = DeskOfficerFactory()
    person = officer.user
    two_factor.enrol_for_demo(person)
    db.session.commit()
    forms.submit("/login", {"email": person.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert forms.submit("/login/code", {"code": code_for(person)}).status_code == 302
    queue = f"/desks/{officer.desk_id}/queue"
    assert client.get(queue).status_code == 200

    later = app.test_client()  # the browser reopened: only the remember-me cookie is left
    later.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert later.get(queue).status_code == 200

    response = forms.submit("/account", {"pw-current_password": DEFAULT_PASSWORD,
                                         "pw-password": "tamarind compass harbour 5"}, action="/account/password")
    assert response.status_code == 302
    assert client.get(queue).status_code == 200
    assert later.get(queue).status_code == 302  # logged out with the old password


# ---------------------------------------------------------------------------- recovery codes, shown once


def _session_cookie(app, client) -> str:
    """What the session cookie carries, decoded (it is signed, not encrypted: anyone holding it
    can read it)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return json.dumps(data)


def test_recovery_codes_never_travel_in_the_cookie_and_are_not_shown_again(app, client, forms, login):
    user = UserFactory()
    login(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    shown = forms.submit("/account/two-factor", {"code": _code(secret)}, follow_redirects=True)
    codes = CODES_ON_PAGE.findall(shown.get_data(as_text=True))
    assert len(codes) == 10
    after_enrolment = client.get_cookie("session").value
    in_cookie = _session_cookie(app, client)
    assert not any(code in in_cookie or code.replace("-", "") in in_cookie for code in codes)

    renewed = forms.submit("/account/two-factor", {"new-password": DEFAULT_PASSWORD, "new-code": codes[0]},
                           action="/account/two-factor/recovery-codes/new", follow_redirects=True)
    new_codes = CODES_ON_PAGE.findall(renewed.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    in_cookie = _session_cookie(app, client)
    assert not any(code in in_cookie or code.replace("-", "") in in_cookie for code in new_codes)

    # "I have saved them": then nothing shows them again, not even a copy of the cookie
    client.get("/account/two-factor")
    for cookie in (after_enrolment, client.get_cookie("session").value):
        copy = app.test_client()
        copy.set_cookie("session", cookie)
        for path in ("/account/two-factor/recovery-codes", "/account/two-factor/recovery-codes.txt",
                     "/account/two-factor", "/account"):
            seen = copy.get(path, follow_redirects=True).get_data(as_text=True)
            assert not any(code in seen for code in codes + new_codes), path


# ---------------------------------------------------------------------------- codes in other scripts

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _full_width(text: str) -> str:
    """Letters, digits and dashes as a Japanese or Chinese keyboard types them."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH], ids=["arabic-indic", "full-width"])
def test_a_sign_in_code_in_other_digits_is_read_as_the_digits_it_is(client, forms, digits):
    user = _enrolled(name="Kojo Antwi")
    _password_step(forms, user)
    right = code_for(user)
    wrong = forms.submit("/login/code", {"code": ("123456" if right != "123456" else "654321").translate(digits)})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.get_data(as_text=True)
    response = forms.submit("/login/code", {"code": right.translate(digits)})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert "Welcome, <bdi>Kojo Antwi</bdi>" in client.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULL_WIDTH], ids=["arabic-indic", "full-width"])
def test_the_set_up_code_in_other_digits_is_read_as_the_digits_it_is(client, forms, login, digits):
    user = UserFactory()
    login(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    wrong = forms.submit("/account/two-factor",
                         {"code": ("000000" if _code(secret) != "000000" else "111111").translate(digits)})
    assert wrong.status_code == 422
    assert 'id="code-error"' in wrong.get_data(as_text=True)
    response = forms.submit("/account/two-factor", {"code": _code(secret).translate(digits)})
    assert response.status_code == 200 and len(CODES_ON_PAGE.findall(response.get_data(as_text=True))) == 10
    assert _reload(user).two_factor_enabled


def test_recovery_codes_in_full_width_letters_or_other_digits_and_dashes_work(client, forms, login):
    user = UserFactory()
    login(user)
    _secret, codes = _enrol_through_pages(client, forms)
    _log_out(client)
    _password_step(forms, user)
    assert forms.submit("/login/code", {"code": _full_width(codes[0].upper())}).status_code == 302
    _log_out(client)
    _password_step(forms, user)
    typed = codes[1].translate(ARABIC_INDIC).replace("-", "\u2010")  # a typographic hyphen
    assert forms.submit("/login/code", {"code": typed}).status_code == 302


@pytest.mark.parametrize("typed", ["1" * 41, "٣" * 41, "x" * 100_000], ids=["digits", "arabic-indic", "huge"])
def test_an_over_long_code_is_refused_beside_the_field(client, forms, login, typed):
    user = _enrolled()
    _password_step(forms, user)
    at_login = forms.submit("/login/code", {"code": typed})
    assert at_login.status_code == 422
    assert "A code is at most 40 characters." in at_login.get_data(as_text=True)
    login(UserFactory())
    at_set_up = forms.submit("/account/two-factor", {"code": typed})
    assert at_set_up.status_code == 422
    page = at_set_up.get_data(as_text=True)
    assert 'id="code-error"' in page and "A code is at most 40 characters." in page


# ---------------------------------------------------------------------------- pasted codes

CODE_INPUT = re.compile(r'<input[^>]*\bname="(?:off-|new-)?code"[^>]*>')


def test_every_code_field_asks_for_the_one_time_code_and_takes_a_pasted_one(client, forms, login):
    """The browser or phone offers the code it received (autocomplete="one-time-code"), and
    nothing in the field refuses or cuts a code pasted as an app shows it ("123 456")."""
    user = UserFactory()
    login(user)
    pages = [client.get("/account/two-factor").get_data(as_text=True)]
    _enrol_through_pages(client, forms)
    pages.append(client.get("/account/two-factor").get_data(as_text=True))  # new codes, turn off
    _log_out(client)
    _password_step(forms, user)
    pages.append(client.get("/login/code").get_data(as_text=True))
    inputs = [tag for page in pages for tag in CODE_INPUT.findall(page)]
    assert len(inputs) == 4
    for tag in inputs:
        assert 'autocomplete="one-time-code"' in tag, tag
        assert "pattern=" not in tag, tag
        maxlength = re.search(r'maxlength="(\d+)"', tag)
        assert maxlength is None or int(maxlength.group(1)) >= len(" 123 456 "), tag


@pytest.mark.parametrize("shape", ["{} {}", " {}\u00a0{}\n", "{}-{}", "\t{}  {} "],
                         ids=["space", "nbsp", "dash", "tabs"])
def test_a_code_pasted_with_spaces_logs_in_and_turns_it_on(client, forms, login, shape):
    user = _enrolled(name="Kojo Antwi")
    _password_step(forms, user)
    right = code_for(user)
    response = forms.submit("/login/code", {"code": shape.format(right[:3], right[3:])})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    login(UserFactory())
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    code = _code(secret)
    response = forms.submit("/account/two-factor", {"code": shape.format(code[:3], code[3:])})
    assert response.status_code == 200 and len(CODES_ON_PAGE.findall(response.get_data(as_text=True))) == 10
