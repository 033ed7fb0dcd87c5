"""Accounts: register, log in, forgotten passwords, your account (password, email, language,
your data, deleting it). The second factor and its pages are in auth/two_factor_views.py, on
this same blueprint; what a session keeps is auth/sessions.py."""

import json
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user, logout_user

from diaspora.auth import limits, passwords, services, tokens
from diaspora.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from diaspora.auth.models import User
from diaspora.auth.sessions import PENDING, PENDING_PURPOSE, second_factor_passed, start_session
from diaspora.core import access_log, navigation, personal_data
from diaspora.core.access import anonymous_only, login_required, public, signed
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field
from diaspora.core.i18n import _, in_locale, ngettext
from diaspora.core.ids import parse_id
from diaspora.core.pagination import page_of
from diaspora.core.time import today
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
    start_session(user, remember=form.remember.data)
    return redirect(target if is_safe_next(target) else navigation.landing(user))


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


def checking(service, *args):
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


def refused(form, error: DomainError) -> int:
    """The error beside its field (or above the form); the status that says why."""
    put_beside_field(form, error)
    return TOO_MANY if isinstance(error, Paused) else INVALID


def submit_checked(form, service, *args) -> tuple[bool, object, int]:
    """A form that asks the person's password or a code, sent: (True, what the service returned,
    200) when the form is valid and `checking(service, *args)` passes; otherwise (False, None,
    the status to answer with), the form saying why beside its fields."""
    if not form.validate_on_submit():
        return False, None, INVALID
    try:
        return True, checking(service, *args), 200
    except DomainError as error:
        return False, None, refused(form, error)


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm(user=current_user, prefix="pw")
    had_second_factor = second_factor_passed()
    done, _changed, status = submit_checked(form, services.change_password, form.current_password.data,
                                            form.password.data)
    if not done:
        return _account_page(password_form=form), status
    # Keep this session (all others are now logged out), with the second factor it gave.
    start_session(current_user, second_factor=had_second_factor)
    flash(_("Your password has been changed. Other devices have been logged out."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/email")
@login_required
def change_email():
    form = ChangeEmailForm(prefix="em")
    done, _sent, status = submit_checked(form, services.request_email_change, form.email.data, form.password.data)
    if not done:
        return _account_page(email_form=form), status
    flash(_("We have sent a link to %(email)s. Follow it to finish the change.", email=form.email.data), "success")
    return redirect(url_for("auth.account"))


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


@bp.get("/account/access-log")
@login_required
def access_log_page():
    """Who looked at your data: every time someone else opened it, newest first."""
    page = page_of(access_log.of_person(current_user), access_log.NEWEST_FIRST)
    return render_template("auth/access_log.html", page=page, viewers=access_log.viewers_of(page.items),
                           months=current_app.config["ACCESS_LOG_RETENTION_MONTHS"],
                           what_label=access_log.what_label, role_label=access_log.role_label)


@bp.get("/account/access-log.csv")
@login_required
def access_log_csv():
    rows = access_log.csv_rows(current_user.id, _chosen_locale())
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="who-looked-at-my-data.csv"'})


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
            checking(services.delete_account, form.password.data)
        except Paused as error:
            status = refused(form, error)
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
