from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from diaspora.auth import services, tokens
from diaspora.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from diaspora.auth.models import User
from diaspora.core.access import anonymous_only, login_required, public
from diaspora.core.forms import INVALID, form_page
from diaspora.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)

CHECK_EMAIL = "Check your email: if the address can be used, we have sent you a link."


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _, session_token = cookie_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != session_token:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"


def _failed(response) -> bool:
    return response.status_code >= 400


def _login_account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative `//`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.route("/register", methods=["GET", "POST"])
@anonymous_only
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if not form.validate_on_submit():
        return form_page("auth/register.html", form)
    services.register(form.name.data, form.email.data, form.password.data)
    return render_template("auth/check_email.html", email=form.email.data)


@bp.get("/verify/<token>")
@public
def verify_email(token: str):
    try:
        user = services.verify_email(token)
    except tokens.InvalidToken:
        return render_template("auth/link_invalid.html", what="confirmation"), 400
    flash("Thank you: your email address is confirmed.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("auth.login", email=user.email))


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(_account_limit, key_func=_login_account_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
def login():
    form = LoginForm(email=request.args.get("email"))
    if not form.validate_on_submit():
        return form_page("auth/login.html", form)
    user = services.authenticate(form.email.data, form.password.data)
    if user is None or not user.is_active:
        form.password.errors.append("The email address or password is not right.")
        return render_template("auth/login.html", form=form, failed=True), INVALID
    if not user.is_verified:
        services.send_verification(user)
        return render_template("auth/check_email.html", email=user.email, unverified=True)
    services.record_login(user)
    login_user(user, remember=form.remember.data)
    target = request.args.get("next")
    return redirect(target if is_safe_next(target) else url_for("dashboard.index"))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You have logged out.", "success")
    return redirect(url_for("core.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return form_page("auth/forgot_password.html", form)
    services.request_password_reset(form.email.data)
    return render_template("auth/check_email.html", email=form.email.data, reset=True)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _choose_password(token, "reset")


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
def welcome(token: str):
    """Where someone whose account an officer made chooses their password."""
    return _choose_password(token, "welcome")


def _choose_password(token: str, purpose: str):
    try:
        user = services.user_for_reset_token(token, purpose)
    except tokens.InvalidToken:
        return render_template("auth/link_invalid.html", what="password reset"), 400
    form = ResetPasswordForm(user=user)
    if not form.validate_on_submit():
        return form_page("auth/reset_password.html", form, welcome=purpose == "welcome", user=user)
    services.reset_password(token, form.password.data, purpose)
    if current_user.is_authenticated:
        logout_user()
    flash("Your password has been saved. You can log in with it now.", "success")
    return redirect(url_for("auth.login", email=user.email))


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm(user=current_user, prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            login_user(current_user)  # keep this session; all others are now logged out
            flash("Your password has been changed. Other devices have been logged out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form), INVALID


@bp.post("/account/email")
@login_required
def change_email():
    form = ChangeEmailForm(prefix="em")
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.email.data, form.password.data)
        except services.AccountError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash(f"We have sent a link to {form.email.data}. Follow it to finish the change.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(email_form=form), INVALID


@bp.get("/account/email/<token>")
@public
def confirm_email_change(token: str):
    try:
        user = services.confirm_email_change(token)
    except (tokens.InvalidToken, services.AccountError):
        return render_template("auth/link_invalid.html", what="email change"), 400
    flash(f"Your email address is now {user.email}.", "success")
    return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))


def _account_page(password_form=None, email_form=None):
    return render_template(
        "auth/account.html",
        password_form=password_form or ChangePasswordForm(user=current_user, prefix="pw", formdata=None),
        email_form=email_form or ChangeEmailForm(prefix="em", formdata=None),
    )
