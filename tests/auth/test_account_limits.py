"""Every page that checks the person's password or a code is limited per account, as the login
is: after five wrong ones, even the right ones wait (429), the form comes back as typed,
nothing changes; a password reset lifts the pause."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from diaspora.auth import passwords, two_factor
from diaspora.auth.models import RecoveryCode, User
from diaspora.extensions import db
from tests.conftest import Forms, code_for
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import link_in
from tests.mailserver import text_body

NEW_PASSWORD = "tamarind compass harbour 5"
WRONG_PASSWORD = "not my password at all"
PAUSED = "too many wrong passwords or codes for this account"


def _reload(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _wrong_code(user) -> str:
    return "000000" if code_for(user, wait=False) != "000000" else "111111"


def _recovery_hashes(user) -> set[str]:
    return set(db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))


@dataclass
class Check:
    page: str
    action: str
    wrong: Callable  # user -> the form's fields, with a wrong password or code
    right: Callable  # user -> the form's fields, all right
    kept: str  # what was typed, shown again in the form
    unchanged: Callable  # (user, before, smtp_server) -> whether nothing changed
    admin: bool = False
    enrolled: bool = False


CHECKS = {
    "change the password": Check(
        "/account", "/account/password",
        wrong=lambda user: {"pw-current_password": WRONG_PASSWORD, "pw-password": NEW_PASSWORD},
        right=lambda user: {"pw-current_password": DEFAULT_PASSWORD, "pw-password": NEW_PASSWORD},
        kept='id="pw-current_password"',
        unchanged=lambda user, before, smtp: passwords.verify_password(_reload(user).password_hash,
                                                                       DEFAULT_PASSWORD)),
    "change the email": Check(
        "/account", "/account/email",
        wrong=lambda user: {"em-email": "new.address@example.org", "em-password": WRONG_PASSWORD},
        right=lambda user: {"em-email": "new.address@example.org", "em-password": DEFAULT_PASSWORD},
        kept='value="new.address@example.org"',
        unchanged=lambda user, before, smtp: not smtp.to("new.address@example.org")),
    "delete the account": Check(
        "/account/delete", "/account/delete",
        wrong=lambda user: {"password": WRONG_PASSWORD},
        right=lambda user: {"password": DEFAULT_PASSWORD},
        kept='id="password"',
        unchanged=lambda user, before, smtp: _reload(user).deleted_at is None and _reload(user).active),
    "renew the recovery codes": Check(
        "/account/two-factor", "/account/two-factor/recovery-codes/new", enrolled=True,
        wrong=lambda user: {"new-password": DEFAULT_PASSWORD, "new-code": _wrong_code(user)},
        right=lambda user: {"new-password": DEFAULT_PASSWORD, "new-code": code_for(user)},
        kept='name="new-code"',
        unchanged=lambda user, before, smtp: _recovery_hashes(user) == before["codes"]),
    "turn two-factor sign-in off": Check(
        "/account/two-factor", "/account/two-factor/off", enrolled=True,
        wrong=lambda user: {"off-password": WRONG_PASSWORD, "off-code": code_for(user)},
        right=lambda user: {"off-password": DEFAULT_PASSWORD, "off-code": code_for(user)},
        kept='name="off-code"',
        unchanged=lambda user, before, smtp: _reload(user).two_factor_enabled),
    "move two-factor sign-in to a new phone": Check(
        "/account/two-factor", "/account/two-factor/off", enrolled=True, admin=True,
        wrong=lambda user: {"off-password": DEFAULT_PASSWORD, "off-code": _wrong_code(user)},
        right=lambda user: {"off-password": DEFAULT_PASSWORD, "off-code": code_for(user)},
        kept='name="off-code"',
        unchanged=lambda user, before, smtp: (_reload(user).two_factor_enabled
                                              and two_factor.secret_of(_reload(user)) == before["secret"])),
}


def _person(check: Check) -> tuple[User, dict]:
    user = UserFactory(admin=check.admin)
    if check.enrolled:
        two_factor.enrol_for_demo(user)
    db.session.commit()
    return user, {"codes": _recovery_hashes(user), "secret": two_factor.secret_of(user)}


@pytest.mark.parametrize("name", list(CHECKS))
def test_wrong_passwords_and_codes_are_limited_per_account(forms, login, smtp_server, name):
    check = CHECKS[name]
    user, before = _person(check)
    login(user)
    for _attempt in range(5):
        response = forms.submit(check.page, check.wrong(user), action=check.action)
        assert response.status_code == 422, response.status_code
    refused = forms.submit(check.page, check.right(user), action=check.action)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert PAUSED in page.lower() and "Resetting your password lifts this pause." in page
    assert check.kept in page  # the form, as typed
    assert check.unchanged(user, before, smtp_server)


def test_a_password_reset_lifts_the_pause(app, client, forms, login, smtp_server):
    user = UserFactory()
    login(user)
    change = {"em-email": "new.address@example.org", "em-password": WRONG_PASSWORD}
    for _attempt in range(5):
        forms.submit("/account", change, action="/account/email")
    change["em-password"] = DEFAULT_PASSWORD
    assert forms.submit("/account", change, action="/account/email").status_code == 429

    elsewhere = Forms(app.test_client())
    elsewhere.submit("/forgot-password", {"email": user.email})
    assert elsewhere.submit(link_in(text_body(smtp_server.last_to(user.email))),
                            {"password": NEW_PASSWORD}).status_code == 302
    login(_reload(user))
    change["em-password"] = NEW_PASSWORD
    assert forms.submit("/account", change, action="/account/email").status_code == 302
    assert smtp_server.to("new.address@example.org")


def test_the_pause_is_the_accounts_whatever_the_page(forms, login):
    """Wrong passwords on one page count on the others: five chances in all, not five per form."""
    user = UserFactory()
    login(user)
    for _attempt in range(3):
        forms.submit("/account", {"em-email": "new.address@example.org", "em-password": WRONG_PASSWORD},
                     action="/account/email")
    for _attempt in range(2):
        forms.submit("/account/delete", {"password": WRONG_PASSWORD})
    refused = forms.submit("/account", {"pw-current_password": DEFAULT_PASSWORD, "pw-password": NEW_PASSWORD},
                           action="/account/password")
    assert refused.status_code == 429
    assert passwords.verify_password(_reload(user).password_hash, DEFAULT_PASSWORD)
