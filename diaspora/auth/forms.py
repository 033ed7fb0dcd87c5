from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from diaspora.auth.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from diaspora.core.emails import MAX_LENGTH as EMAIL_MAX_LENGTH
from diaspora.core.emails import EmailAddress
from diaspora.core.i18n import LANGUAGE_NAMES, _l

EMAIL_HINT = _l("We will send a link to this address to confirm it is yours.")
PASSWORD_HINT = _l("At least %(min)d characters. A few unrelated words make a strong password.",
                   min=MIN_LENGTH)


def email_field(label=_l("Email address"), description="", required=_l("Enter your email address.")):
    return EmailField(label, description=description, validators=[
        DataRequired(required),
        Length(max=EMAIL_MAX_LENGTH, message=_l("An email address can be at most %(max)d characters.",
                                                max=EMAIL_MAX_LENGTH)),
        EmailAddress(),
    ])


def new_password_field(label=_l("Password")) -> PasswordField:
    return PasswordField(label, description=PASSWORD_HINT, validators=[
        DataRequired(_l("Enter a password.")),
        Length(max=MAX_LENGTH, message=_l("Use at most %(max)d characters.", max=MAX_LENGTH)),
    ])


def current_password_field(label=_l("Your password"), required=_l("Enter your password."), description=""):
    return PasswordField(label, description=description, validators=[
        DataRequired(required),
        Length(max=MAX_LENGTH, message=_l("Use at most %(max)d characters.", max=MAX_LENGTH)),
    ])


class StrongPasswordMixin:
    """Checks `password` against zxcvbn, using the person's own name and email as hints."""

    def personal_words(self) -> list[str]:
        return []

    def validate_password(self, field):
        if field.errors or not field.data:
            return
        problem = password_problem(field.data, self.personal_words())
        if problem:
            raise ValidationError(problem)


class RegisterForm(StrongPasswordMixin, FlaskForm):
    name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter your full name.")),
        Length(max=120, message=_l("Your name can be at most 120 characters.")),
    ])
    email = email_field(description=EMAIL_HINT)
    password = new_password_field()

    def personal_words(self):
        return [self.name.data or "", self.email.data or ""]


class LoginForm(FlaskForm):
    email = email_field()
    password = current_password_field(_l("Password"))
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(StrongPasswordMixin, FlaskForm):
    password = new_password_field(_l("New password"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def personal_words(self):
        return [self.user.name, self.user.email] if self.user else []


class ChangePasswordForm(ResetPasswordForm):
    current_password = current_password_field(_l("Current password"), _l("Enter your current password."))


class ChangeEmailForm(FlaskForm):
    email = email_field(_l("New email address"), description=EMAIL_HINT)
    password = current_password_field()


class DeleteAccountForm(FlaskForm):
    password = current_password_field(required=_l("Enter your password to confirm."),
                                      description=_l("To confirm that it is really you."))


class LanguageForm(FlaskForm):
    locale = RadioField(_l("Language"), choices=list(LANGUAGE_NAMES.items()),
                        validators=[DataRequired(_l("Choose a language."))])


# ---------------------------------------------------------------------------- two-factor sign-in


def code_field(label=_l("Code"), description=_l("The 6-digit code your authenticator app shows now.")):
    return StringField(label, description=description, validators=[
        DataRequired(_l("Enter the code.")),
        Length(max=40, message=_l("A code is at most 40 characters.")),
    ])


class TwoFactorLoginForm(FlaskForm):
    code = code_field(description=_l("The 6-digit code your authenticator app shows now, or one of your "
                                     "recovery codes."))


class EnableTwoFactorForm(FlaskForm):
    code = code_field()


class TwoFactorWithPasswordForm(FlaskForm):
    """Turning it off, or new recovery codes: the password and a current code."""

    password = current_password_field()
    code = code_field(description=_l("The 6-digit code your app shows now, or a recovery code."))


class AdminResetTwoFactorForm(FlaskForm):
    email = email_field(_l("Email address of the account"))
    reason = StringField(_l("Why, and how you checked who asked"), description=_l(
        "Kept in the audit trail. For example: lost phone, identity checked by a video call with their "
        "association's officer."), validators=[
        DataRequired(_l("Say why, and how you checked who asked.")),
        Length(max=300, message=_l("Keep it to %(max)d characters.", max=300)),
    ])
