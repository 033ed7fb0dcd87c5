"""Two-factor sign-in: the code page after the password, the check before each request that
a session gave the second factor it needs, and the pages to turn it on and off, make new
recovery codes, and (for an admin) reset it for someone who lost their phone. The routes are
the "auth" blueprint's (auth/views.py), so their endpoints stay `auth.*`."""

from urllib.parse import quote

from flask import flash, redirect, render_template, request, session, url_for
from flask.globals import _cv_request
from flask_login import current_user, logout_user, user_loaded_from_cookie

from diaspora.auth import limits, services, tokens, two_factor
from diaspora.auth.forms import (
    AdminResetTwoFactorForm,
    EnableTwoFactorForm,
    TwoFactorLoginForm,
    TwoFactorWithPasswordForm,
)
from diaspora.auth.models import User
from diaspora.auth.sessions import (
    PASSED,
    PENDING,
    PENDING_PURPOSE,
    second_factor_mark,
    second_factor_passed,
    start_session,
)
from diaspora.auth.views import TOO_MANY, bp, is_safe_next, submit_checked
from diaspora.core import access, navigation
from diaspora.core.access import admin_required, anonymous_only, login_required
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field
from diaspora.core.i18n import _, ngettext
from diaspora.core.web import has_session, logged_in
from diaspora.extensions import db

# ---------------------------------------------------------------------------- the code after the password

PENDING_MAX_AGE = 5 * 60
# Reachable by someone who must set up a second factor and has not yet.
ENROLMENT_ENDPOINTS = {"auth.logout", "auth.two_factor", "auth.enable_two_factor",
                       "auth.change_language", "auth.choose_language"}
NOT_CHECKED = {None, "static", "core.healthz"}  # no session, no person


def _pending_login() -> tuple[User | None, dict]:
    token = session.get(PENDING)
    if not isinstance(token, str):
        return None, {}
    try:
        data = tokens.read(PENDING_PURPOSE, token, PENDING_MAX_AGE)
    except tokens.InvalidToken:
        session.pop(PENDING, None)
        return None, {}
    user = db.session.get(User, data["uid"]) if isinstance(data.get("uid"), int) else None
    if user is None or not user.is_active or user.session_token != data.get("st") or not user.two_factor_enabled:
        return None, {}
    return user, data


@bp.route("/login/code", methods=["GET", "POST"])
@anonymous_only
def login_code():
    user, data = _pending_login()
    if user is None:
        flash(_("Please log in again: after your password, there are 5 minutes to enter the code."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorLoginForm()
    if not form.validate_on_submit():
        return form_page("auth/login_code.html", form)
    wait = limits.code_blocked(user.id, user.password_hash)
    if wait:
        return render_template("auth/login_code.html", form=form, minutes=max(1, round(wait / 60))), TOO_MANY
    used = two_factor.verify(user, form.code.data)
    if used is None:
        limits.record_code_failure(user.id, user.password_hash)
        form.code.errors.append(_("That code is not right, or it has been used already. Wait for the next "
                                  "code in your app, or enter a recovery code."))
        return render_template("auth/login_code.html", form=form), INVALID
    services.record_login(user)
    start_session(user, remember=data.get("remember", False), second_factor=True)
    if used == "recovery":
        left = two_factor.recovery_codes_left(user)
        flash(ngettext("You used a recovery code: %(num)d is left. If you lost your phone, set up two-factor "
                       "sign-in again now.",
                       "You used a recovery code: %(num)d are left. If you lost your phone, set up two-factor "
                       "sign-in again now.", left), "warning")
    target = data.get("next")
    return redirect(target if is_safe_next(target) else navigation.landing(user))


def require_second_factor():
    """Before each request: a second factor given for another account, or for an earlier login
    of this one, is dropped (a stale session whose user no longer loads, with someone else's
    remember-me cookie, belongs to that someone else); a platform admin or desk officer without
    a second factor reaches only its set-up (and logging out); a session logged in without the
    code it needs ends."""
    asked = _cv_request.get().request  # not through the proxy: this runs before every request
    if asked.endpoint in NOT_CHECKED or not (logged_in() or has_session() and PASSED in session):
        return None  # a visitor: no account to check (and no user to load)
    if access.is_api_path(asked.path):
        return None  # the API reads no session: a token authenticates each call (api/authentication.py)
    if second_factor_passed():
        return None
    session.pop(PASSED, None)
    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if current_user.two_factor_enabled:  # logged in before it was turned on, somewhere else
        logout_user()
        session.clear()
        flash(_("Please log in again, with the code from your authenticator app."), "info")
        return redirect(url_for("auth.login"))
    if two_factor.is_required(current_user):
        flash(_("Set up two-factor sign-in to go on: platform administrators and desk officers must use it."),
              "warning")
        return redirect(url_for("auth.two_factor"))
    return None


@user_loaded_from_cookie.connect
def _remembered(sender, user=None, **extra):
    """A remember-me cookie is made only after a full login (with the code, when it is on).
    The session is now its user's: a second factor given by anyone before does not count."""
    if user is not None and user.two_factor_enabled:
        session[PASSED] = second_factor_mark(user)
    else:
        session.pop(PASSED, None)


# ---------------------------------------------------------------------------- two-factor sign-in


def _two_factor_page(form=None, off_form=None, codes_form=None, status=200):
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        two_factor.start_enrolment(user)  # the secret waiting to be confirmed, or a new one
        secret = two_factor.pending_secret(user)
        uri = two_factor.provisioning_uri(user)
        return render_template(
            "auth/two_factor_setup.html", form=form or EnableTwoFactorForm(formdata=None),
            secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            qr=two_factor.qr_svg(uri, _("QR code to scan with your authenticator app")),
            required=two_factor.is_required(user)), status
    return render_template(
        "auth/two_factor.html", required=two_factor.is_required(user),
        codes_left=two_factor.recovery_codes_left(user),
        off_form=off_form or TwoFactorWithPasswordForm(prefix="off", formdata=None),
        codes_form=codes_form or TwoFactorWithPasswordForm(prefix="new", formdata=None)), status


@bp.get("/account/two-factor", endpoint="two_factor")
@login_required
def two_factor_page():
    return _two_factor_page()


@bp.post("/account/two-factor")
@login_required
def enable_two_factor():
    if current_user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"))
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(current_user, form.code.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            # Keep this session, with the code it just gave; every other one is now logged out.
            start_session(current_user, second_factor=True)
            flash(_("Two-factor sign-in is on. Other devices have been logged out."), "success")
            return _recovery_codes_page(codes)
    return _two_factor_page(form=form, status=INVALID)


def _recovery_codes_page(codes: list[str]):
    """The new recovery codes, in the answer to the request that made them and nowhere else:
    not in the session (a signed cookie anyone holding it can read), not kept in the clear.
    The text file is a data: link inside this page, so downloading it asks nothing again."""
    text = "\n".join([_("Diaspora Health Network: recovery codes for %(email)s", email=current_user.email),
                      _("Each code works once, in place of the code from your app."), "", *codes, ""])
    return render_template("auth/recovery_codes.html", codes=codes,
                           download="data:text/plain;charset=utf-8," + quote(text))


@bp.post("/account/two-factor/recovery-codes/new")
@login_required
def new_recovery_codes():
    form = TwoFactorWithPasswordForm(prefix="new")
    done, codes, status = submit_checked(form, two_factor.regenerate_recovery_codes, form.password.data,
                                         form.code.data)
    return _recovery_codes_page(codes) if done else _two_factor_page(codes_form=form, status=status)


@bp.post("/account/two-factor/off")
@login_required
def disable_two_factor():
    form = TwoFactorWithPasswordForm(prefix="off")
    required = two_factor.is_required(current_user)
    # Those who cannot do without it set it up again, on a new phone.
    service = two_factor.restart if required else two_factor.disable
    done, _off, status = submit_checked(form, service, form.password.data, form.code.data)
    if not done:
        return _two_factor_page(off_form=form, status=status)
    if required:
        start_session(current_user)  # every other session is logged out; this one sets it up again
        flash(_("Scan the new QR code with the app on your new phone."), "info")
        return redirect(url_for("auth.two_factor"))
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/admin/two-factor", methods=["GET", "POST"])
@admin_required
def admin_reset_two_factor():
    """A person who lost their phone and their recovery codes: an admin turns it off for them."""
    form = AdminResetTwoFactorForm()
    if not form.validate_on_submit():
        return form_page("auth/admin_two_factor.html", form)
    user = services.find_by_email(form.email.data)
    try:
        if user is None:
            raise DomainError(_("No account has that email address."), field="email")
        two_factor.reset_by_admin(current_user, user, form.reason.data)
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("auth/admin_two_factor.html", form)
    flash(_("Two-factor sign-in is reset for %(email)s. We have emailed them.", email=user.email), "success")
    return redirect(url_for("auth.admin_reset_two_factor"))
