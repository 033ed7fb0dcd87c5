from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from diaspora.auth.passwords import MIN_LENGTH, password_problem

EMAIL_HINT = "We will send a link to this address to confirm it is yours."
PASSWORD_HINT = f"At least {MIN_LENGTH} characters. A few unrelated words make a strong password."


def email_field(label: str = "Email address", description: str = "") -> EmailField:
    return EmailField(label, description=description, validators=[
        DataRequired("Enter your email address."),
        Email("Enter an email address in the right format, like name@example.com."),
        Length(max=320, message="An email address can be at most 320 characters."),
    ])


def new_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(label, description=PASSWORD_HINT,
                         validators=[DataRequired("Enter a password.")])


class StrongPasswordMixin:
    """Checks `password` against zxcvbn, using the person's own name and email as hints."""

    def personal_words(self) -> list[str]:
        return []

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.personal_words())
        if problem:
            raise ValidationError(problem)


class RegisterForm(StrongPasswordMixin, FlaskForm):
    name = StringField("Full name", validators=[
        DataRequired("Enter your full name."),
        Length(max=120, message="Your name can be at most 120 characters."),
    ])
    email = email_field(description=EMAIL_HINT)
    password = new_password_field()

    def personal_words(self):
        return [self.name.data or "", self.email.data or ""]


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me logged in on this device")


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(StrongPasswordMixin, FlaskForm):
    password = new_password_field("New password")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def personal_words(self):
        return [self.user.name, self.user.email] if self.user else []


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired("Enter your current password.")])


class ChangeEmailForm(FlaskForm):
    email = email_field("New email address", description=EMAIL_HINT)
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
