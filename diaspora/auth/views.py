import json
import secrets
from urllib.parse import quote, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie

from diaspora.auth import limits, passwords, services, tokens, two_factor
from diaspora.auth.forms import (
    AdminResetTwoFactorForm,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    EnableTwoFactorForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    TwoFactorLoginForm,
    TwoFactorWithPasswordForm,
)
from diaspora.auth.models import User
from diaspora.core import access, navigation, personal_data
from diaspora.core.access import admin_required, anonymous_only, login_required, public, signed
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field
from diaspora.core.i18n import _, in_locale, ngettext
from diaspora.core.ids import parse_id
from diaspora.core.time import today
from diaspora.core.web import has_session, logged_in
from diaspora.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)

SENT_TO = "sent_to"  # the address a "check your email" page names (kept in the session)
TOO_MANY = 429


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _sep, session_token = cookie_id.partition(":")
    user = db.session.get(User, parse_id(user_id)) if parse_id(user_id) else None
    if user is None or user.session_token != session_token:
        return None
    return user


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative `//`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _start_session(user: User, remember: bool = False, second_factor: bool = False) -> None:
    """A fresh session for the logged-in person: nothing from before (a CSRF token, a
    planted session id, a second factor given by anyone) carries over; `second_factor` when
    this login has just given it (or the session had it for this person before a change)."""
    user = getattr(user, "_get_current_object", lambda: user)()  # the user, not the current_user proxy
    session.clear()
    login_user(user, remember=remember)
    if second_factor:
        session[PASSED] = second_factor_mark(user)


# ---------------------------------------------------------------------------- register and log in


@bp.route("/register", methods=["GET", "POST"])
@anonymous_only
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if not form.validate_on_submit():
        return form_page("auth/register.html", form)
    services.register(form.name.data, form.email.data, form.password.data, locale=_chosen_locale())
    session[SENT_TO] = form.email.data
    return redirect(url_for("auth.registered"))


@bp.get("/register/sent")
@public
def registered():
    return render_template("auth/check_email.html", email=session.get(SENT_TO), purpose="register")


@bp.get("/verify/<token>")
@public
@signed("token")
def verify_email(token: str):
    try:
        user = services.verify_email(token)
    except tokens.InvalidToken:
        return render_template("auth/link_invalid.html", what="verify"), 400
    flash(_("Thank you: your email address is confirmed."), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(navigation.landing(user))
    return redirect(url_for("auth.login", email=user.email))


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
def login():
    form = LoginForm(email=request.args.get("email"))
    if not form.validate_on_submit():
        return form_page("auth/login.html", form)
    account = services.find_by_email(form.email.data)
    password_hash = account.password_hash if account else None
    blocked = limits.blocked(form.email.data, password_hash, request.remote_addr)
    if blocked:
        passwords.verify_password(None, form.password.data)  # the same work as a real check
        return render_template("auth/login.html", form=form, blocked=blocked,
                               minutes=max(1, round(blocked.seconds / 60))), TOO_MANY
    user = services.authenticate(form.email.data, form.password.data)
    if user is None or not user.is_active:
        limits.record_failure(form.email.data, password_hash, request.remote_addr)
        form.password.errors.append(_("The email address or password is not right."))
        return render_template("auth/login.html", form=form, failed=True), INVALID
    if not user.is_verified:
        services.send_verification(user)
        session[SENT_TO] = user.email
        return redirect(url_for("auth.unverified"))
    target = request.args.get("next")
    if user.two_factor_enabled:
        # Not logged in yet: a short-lived signed marker says whose password was right.
        session[PENDING] = tokens.make(PENDING_PURPOSE, {
            "uid": user.id, "st": user.session_token, "remember": bool(form.remember.data),
            "next": target if is_safe_next(target) else None})
        return redirect(url_for("auth.login_code"))
    services.record_login(user)
    _start_session(user, remember=form.remember.data)
    return redirect(target if is_safe_next(target) else navigation.landing(user))


# ---------------------------------------------------------------------------- the second factor

PENDING = "two_factor_pending"  # the signed "password was right" marker, until the code
PENDING_PURPOSE = "two-factor-login"
PENDING_MAX_AGE = 5 * 60
PASSED = "two_factor_passed"  # this login gave its second factor: `second_factor_mark(user)`
# Reachable by someone who must set up a second factor and has not yet.
ENROLMENT_ENDPOINTS = {"auth.logout", "auth.two_factor", "auth.enable_two_factor",
                       "auth.change_language", "auth.choose_language"}
NOT_CHECKED = {None, "static", "core.healthz"}  # no session, no person


def second_factor_mark(user: User) -> str:
    """What the session keeps once a login has given its second factor: bound to the account
    and to its session token (a new one at logging out, a new password, turning two-factor
    sign-in on, a reset), so it counts for no other account, and not after any of those."""
    return tokens.fingerprint(f"second-factor:{user.get_id()}")


def second_factor_passed() -> bool:
    """Whether the person this request belongs to (`current_user`) gave their second factor."""
    if not current_user.is_authenticated:  # first: loading from a remember-me cookie sets the mark
        return False
    mark = session.get(PASSED)
    return isinstance(mark, str) and secrets.compare_digest(mark, second_factor_mark(current_user))


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
    _start_session(user, remember=data.get("remember", False), second_factor=True)
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
    if request.endpoint in NOT_CHECKED or not (logged_in() or has_session() and PASSED in session):
        return None  # a visitor: no account to check (and no user to load)
    if access.is_api_path(request.path):
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


@bp.get("/login/unverified")
@public
def unverified():
    return render_template("auth/check_email.html", email=session.get(SENT_TO), purpose="unverified")


@bp.post("/logout")
@login_required
def logout():
    services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(url_for("core.home"))


# ---------------------------------------------------------------------------- forgotten passwords


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm(email=request.args.get("email"))
    if not form.validate_on_submit():
        return form_page("auth/forgot_password.html", form)
    services.request_password_reset(form.email.data, locale=_chosen_locale())
    session[SENT_TO] = form.email.data
    return redirect(url_for("auth.reset_sent"))


@bp.get("/forgot-password/sent")
@public
def reset_sent():
    return render_template("auth/check_email.html", email=session.get(SENT_TO), purpose="reset")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@signed("token")
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except tokens.InvalidToken:
        return render_template("auth/link_invalid.html", what="reset"), 400
    form = ResetPasswordForm(user=user)
    if not form.validate_on_submit():
        return form_page("auth/reset_password.html", form, user=user)
    try:
        services.reset_password(token, form.password.data)
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("auth/reset_password.html", form, user=user)
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash(_("Your password has been saved. You can log in with it now."), "success")
    return redirect(url_for("auth.login", email=user.email))


# ---------------------------------------------------------------------------- your account


class Paused(DomainError):
    """Too many wrong passwords or codes on the account's pages: nothing was tried."""

    def __init__(self, seconds: int):
        minutes = max(1, round(seconds / 60))
        super().__init__(ngettext(
            "There have been too many wrong passwords or codes for this account. For your safety, nothing "
            "can be changed with them for about %(num)d minute, even with the right ones. Resetting your "
            "password lifts this pause.",
            "There have been too many wrong passwords or codes for this account. For your safety, nothing "
            "can be changed with them for about %(num)d minutes, even with the right ones. Resetting your "
            "password lifts this pause.", minutes))


def _checking(service, *args):
    """Call a service that checks the person's password or a code, under the account's limit
    (limits.check_blocked): once too many were wrong, Paused and nothing is tried; each wrong
    one counts (a password reset starts the count afresh)."""
    user = current_user._get_current_object()
    password_hash = user.password_hash  # the count's key, before any change the service makes
    wait = limits.check_blocked(user.id, password_hash)
    if wait:
        raise Paused(wait)
    try:
        return service(user, *args)
    except passwords.WrongSecret:
        limits.record_check_failure(user.id, password_hash)
        raise


def _refused(form, error: DomainError) -> int:
    """The error beside its field (or above the form); the status that says why."""
    put_beside_field(form, error)
    return TOO_MANY if isinstance(error, Paused) else INVALID


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm(user=current_user, prefix="pw")
    status = INVALID
    if form.validate_on_submit():
        had_second_factor = second_factor_passed()
        try:
            _checking(services.change_password, form.current_password.data, form.password.data)
        except DomainError as error:
            status = _refused(form, error)
        else:
            # Keep this session (all others are now logged out), with the second factor it gave.
            _start_session(current_user, second_factor=had_second_factor)
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form), status


@bp.post("/account/email")
@login_required
def change_email():
    form = ChangeEmailForm(prefix="em")
    status = INVALID
    if form.validate_on_submit():
        try:
            _checking(services.request_email_change, form.email.data, form.password.data)
        except DomainError as error:
            status = _refused(form, error)
        else:
            flash(_("We have sent a link to %(email)s. Follow it to finish the change.",
                    email=form.email.data), "success")
            return redirect(url_for("auth.account"))
    return _account_page(email_form=form), status


@bp.get("/account/email/<token>")
@public
@signed("token")
def confirm_email_change(token: str):
    try:
        user = services.confirm_email_change(token)
    except (tokens.InvalidToken, DomainError):
        return render_template("auth/link_invalid.html", what="email"), 400
    flash(_("Your email address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))


@bp.post("/account/language")
@login_required
def change_language():
    form = LanguageForm(prefix="lang")
    if form.validate_on_submit():
        try:
            services.set_locale(current_user, form.locale.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("Your language has been saved."), "success")
            target = request.form.get("next")
            return redirect(target if is_safe_next(target) else url_for("auth.account"))
    return _account_page(language_form=form), INVALID


@bp.post("/language")
@public
def choose_language():
    """A visitor's choice of language (the login and home pages), kept in a cookie."""
    form = LanguageForm(prefix="lang")
    target = request.form.get("next")
    response = redirect(target if is_safe_next(target) else url_for("core.home"))
    if form.validate_on_submit():
        return _keep_language(response, form.locale.data)
    return redirect(url_for("core.home"))


def _keep_language(response: Response, locale: str) -> Response:
    """A visitor's language, for the pages they see without an account (core.i18n)."""
    response.set_cookie("locale", locale, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), httponly=True)
    return response


def _chosen_locale() -> str | None:
    from diaspora.core.i18n import current_locale

    return current_locale()


def _account_page(password_form=None, email_form=None, language_form=None):
    return render_template(
        "auth/account.html",
        password_form=password_form or ChangePasswordForm(user=current_user, prefix="pw", formdata=None),
        email_form=email_form or ChangeEmailForm(prefix="em", formdata=None),
        language_form=language_form or LanguageForm(prefix="lang", formdata=None, locale=current_user.locale),
    )


@bp.get("/account/export")
@login_required
def export_data():
    data = services.export_data(current_user)
    filename = f"diaspora-health-data-{today().isoformat()}.json"
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False, default=str),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    problem = None
    status = INVALID if form.is_submitted() else 200
    if form.validate_on_submit():
        locale = current_user.locale
        try:
            _checking(services.delete_account, form.password.data)
        except Paused as error:
            status = _refused(form, error)
        except DomainError as error:
            if not put_beside_field(form, error):
                problem, status = str(error), 409
        else:
            logout_user()
            session.clear()
            with in_locale(locale):  # the person's language, now that nobody is logged in
                flash(_("Your account has been deleted. We have sent a last email to confirm it."), "success")
            return _keep_language(redirect(url_for("core.home")), locale)
    return form_page("auth/delete_account.html", form, status=status, problem=problem,
                     blockers=services.deletion_blockers(current_user),
                     erased=personal_data.what_is_erased(), kept=personal_data.what_is_kept())


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
            _start_session(current_user, second_factor=True)
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
    status = INVALID
    if form.validate_on_submit():
        try:
            codes = _checking(two_factor.regenerate_recovery_codes, form.password.data, form.code.data)
        except DomainError as error:
            status = _refused(form, error)
        else:
            return _recovery_codes_page(codes)
    return _two_factor_page(codes_form=form, status=status)


@bp.post("/account/two-factor/off")
@login_required
def disable_two_factor():
    form = TwoFactorWithPasswordForm(prefix="off")
    required = two_factor.is_required(current_user)
    status = INVALID
    if form.validate_on_submit():
        # Those who cannot do without it set it up again, on a new phone.
        service = two_factor.restart if required else two_factor.disable
        try:
            _checking(service, form.password.data, form.code.data)
        except DomainError as error:
            status = _refused(form, error)
        else:
            if required:
                _start_session(current_user)  # every other session is logged out; this one sets it up again
                flash(_("Scan the new QR code with the app on your new phone."), "info")
                return redirect(url_for("auth.two_factor"))
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("auth.account"))
    return _two_factor_page(off_form=form, status=status)


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
