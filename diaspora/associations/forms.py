"""Forms for the association registry, joining and the officers' pages. Only the shape of
the input is checked here; the rules (unique names, the last officer ...) live in services."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional, ValidationError

from diaspora.auth.forms import PASSWORD_HINT, StrongPasswordMixin
from diaspora.core.forms import CountriesField, CountryField, WholeNumberField

MIN_REASON = 10


def _email(label: str, required: str, description: str = "") -> EmailField:
    return EmailField(label, description=description, validators=[
        DataRequired(required),
        Email("Enter an email address in the right format, like name@example.com."),
        Length(max=320, message="An email address can be at most 320 characters."),
    ])


class AssociationForm(FlaskForm):
    """Apply to register an association; officers edit the same details later."""

    name = StringField("Name of the association", validators=[
        DataRequired("Enter the name of the association."),
        Length(max=200, message="The name can be at most 200 characters."),
    ])
    host_country = CountryField(
        "Host country", description="The country where the association is based.",
        validators=[DataRequired("Choose the country where the association is based.")],
    )
    heritage_countries = CountriesField(
        "Heritage countries",
        description="The countries its members come from and give back to. "
                    "Hold Ctrl (or Cmd on a Mac) to choose more than one.",
        validators=[DataRequired("Choose at least one heritage country.")],
    )
    description = TextAreaField(
        "What the association does", description="A few sentences for its public page.",
        validators=[
            DataRequired("Say in a few words what the association does."),
            Length(max=5000, message="The description can be at most 5,000 characters."),
        ],
    )
    website = URLField("Website (optional)", description="Its full address, like https://example.org",
                       validators=[
                           Optional(),
                           URL(message="Enter the full address of the website, like https://example.org"),
                           Length(max=300, message="The address can be at most 300 characters."),
                       ])
    contact_email = _email("Contact email address", "Enter an email address people can write to.",
                           description="Shown on the association's page.")

    def validate_website(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError("Enter the full address of the website, like https://example.org")


class EditAssociationForm(AssociationForm):
    # The version the officer saw: if the association changed since, their edit is not saved.
    version = HiddenField()


class DecisionForm(FlaskForm):
    """A rejection, of an association or of someone's application to join: a reason is needed."""

    reason = TextAreaField(
        "Reason", description="It is sent to the applicant.",
        validators=[
            DataRequired("Give a reason: it is sent to the applicant."),
            Length(min=MIN_REASON, max=2000, message=f"Give a reason of at least {MIN_REASON} characters: "
                                                     "it is sent to the applicant."),
        ],
    )


class MembershipTypeForm(FlaskForm):
    name = StringField("Name", description="For example: Full member, Student member, Associate.",
                       validators=[
                           DataRequired("Enter a name for the membership type."),
                           Length(max=80, message="The name can be at most 80 characters."),
                       ])
    period_months = WholeNumberField(
        "Period in months", description="How long a membership lasts before it must be renewed (1 to 120).",
        not_a_number="Enter the period as a whole number of months, like 12.",
    )
    no_expiry = BooleanField("No expiry: memberships of this type never need renewing")
    requires_approval = BooleanField("An officer approves each application", default=True)
    active = BooleanField("Open: people can choose this type when they apply", default=True)

    def validate_period_months(self, field):
        if field.errors:  # not a number: already explained
            return
        if self.no_expiry.data:
            if field.data is not None:
                raise ValidationError("Leave the period empty for a membership that does not expire.")
            return
        if field.data is None:
            raise ValidationError("Enter the period in months, or tick “No expiry”.")
        if not 1 <= field.data <= 120:
            raise ValidationError("Enter a period from 1 to 120 months.")


class _PlainChoice:
    """One plain sentence for any wrong choice, instead of WTForms' "Not a valid choice"."""

    def post_validate(self, form, validation_stopped):
        if self.errors:
            chosen = bool(self.raw_data and self.raw_data[0])
            self.errors = ["Choose a membership type from the list." if chosen
                           else "Choose a membership type."]


class MembershipTypeRadios(_PlainChoice, RadioField):
    pass


class MembershipTypeSelect(_PlainChoice, SelectField):
    pass


class JoinForm(FlaskForm):
    membership_type = MembershipTypeRadios("Membership type", coerce=int,
                                           validators=[DataRequired("Choose a membership type.")])

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.membership_type.choices = [(t.id, t.name) for t in types]
        self.types = {t.id: t for t in types}


class InviteForm(FlaskForm):
    email = _email("Their email address", "Enter the email address of the person to invite.",
                   description="We send the invitation link there.")
    name = StringField("Their name (optional)", validators=[
        Optional(), Length(max=120, message="The name can be at most 120 characters."),
    ])
    membership_type = MembershipTypeSelect("Membership type", coerce=int,
                                           validators=[DataRequired("Choose a membership type.")])

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.membership_type.choices = [(t.id, t.name) for t in types]


class AcceptInvitationForm(StrongPasswordMixin, FlaskForm):
    """Someone without an account accepts an invitation: the link proved their address."""

    name = StringField("Full name", validators=[
        DataRequired("Enter your full name."),
        Length(max=120, message="Your name can be at most 120 characters."),
    ])
    password = PasswordField("Choose a password", description=PASSWORD_HINT,
                             validators=[DataRequired("Enter a password.")])

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def personal_words(self):
        return [self.name.data or "", self.email]


class AssociationSearchForm(FlaskForm):
    """Search and filters of the association list (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField("Name contains", validators=[Optional(), Length(max=100)])
    host = CountryField("Host country", blank="Any country", validators=[Optional()])
    heritage = CountryField("Heritage country", blank="Any country", validators=[Optional()])
