"""Forms for the association registry, joining and the officers' pages. Only the shape of
the input is checked here; the rules (unique names, the last officer ...) live in services."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from diaspora.auth.forms import PASSWORD_HINT, StrongPasswordMixin, email_field
from diaspora.auth.passwords import MAX_LENGTH as PASSWORD_MAX
from diaspora.core.forms import CountriesField, CountryField, IdField, IdRadioField, WholeNumberField
from diaspora.core.i18n import _l

MIN_REASON = 10
MAX_REASON = 2000


class AssociationForm(FlaskForm):
    """Apply to register an association; officers edit the same details later."""

    name = StringField(_l("Name of the association"), validators=[
        DataRequired(_l("Enter the name of the association.")),
        Length(max=200, message=_l("The name can be at most 200 characters.")),
    ])
    host_country = CountryField(
        _l("Host country"), description=_l("The country where the association is based."),
        validators=[DataRequired(_l("Choose the country where the association is based."))],
    )
    heritage_countries = CountriesField(
        _l("Heritage countries"),
        description=_l("The countries its members come from and give back to. Tick each one."),
        validators=[DataRequired(_l("Choose at least one heritage country."))],
    )
    description = TextAreaField(
        _l("What the association does"), description=_l("A few sentences for its public page."),
        validators=[
            DataRequired(_l("Say in a few words what the association does.")),
            Length(max=5000, message=_l("The description can be at most 5,000 characters.")),
        ],
    )
    website = StringField(_l("Website (optional)"), description=_l("Its full address, like https://example.org"),
                          validators=[
                              Optional(),
                              Length(max=300, message=_l("The address can be at most 300 characters.")),
                          ])
    contact_email = email_field(_l("Contact email address"), description=_l("Shown on the association's page."),
                                required=_l("Enter an email address people can write to."))

    def validate_website(self, field):
        """One clear message for any address that is not a full web address."""
        from urllib.parse import urlsplit

        if field.errors or not field.data:
            return
        parts = urlsplit(field.data.strip())
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in field.data.strip():
            raise ValidationError(_l("Enter the full address of the website, like https://example.org"))


class EditAssociationForm(AssociationForm):
    # The version the officer saw: if the association changed since, their edit is not saved.
    version = HiddenField()


class DecisionForm(FlaskForm):
    """A rejection, of an association or of someone's application to join: a reason is needed."""

    reason = TextAreaField(
        _l("Reason"), description=_l("It is sent to the applicant."),
        validators=[DataRequired(_l("Give a reason: it is sent to the applicant."))],
    )

    def validate_reason(self, field):
        length = len(field.data.strip())
        if length < MIN_REASON:
            raise ValidationError(_l("Give a reason of at least %(min)d characters: it is sent to the "
                                     "applicant.", min=MIN_REASON))
        if length > MAX_REASON:
            raise ValidationError(_l("Keep the reason to %(max)d characters (it has %(length)d).",
                                     max=MAX_REASON, length=length))


class MembershipTypeForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("For example: Full member, Student member, Associate."),
                       validators=[
                           DataRequired(_l("Enter a name for the membership type.")),
                           Length(max=80, message=_l("The name can be at most 80 characters.")),
                       ])
    period_months = WholeNumberField(
        _l("Period in months"),
        description=_l("How long a membership lasts before it must be renewed (1 to 120)."),
        not_a_number=_l("Enter the period as a whole number of months, like 12."),
    )
    no_expiry = BooleanField(_l("No expiry: memberships of this type never need renewing"))
    requires_approval = BooleanField(_l("An officer approves each application"), default=True)
    active = BooleanField(_l("Open: people can choose this type when they apply"), default=True)

    def validate_period_months(self, field):
        if field.errors:  # not a number: already explained
            return
        if self.no_expiry.data:
            if field.data is not None:
                raise ValidationError(_l("Leave the period empty for a membership that does not expire."))
            return
        if field.data is None:
            raise ValidationError(_l("Enter the period in months, or tick “No expiry”."))
        if not 1 <= field.data <= 120:
            raise ValidationError(_l("Enter a period from 1 to 120 months."))


class _PlainChoice:
    """One plain sentence for any wrong choice, instead of WTForms' "Not a valid choice"."""

    def post_validate(self, form, validation_stopped):
        if self.errors:
            chosen = bool(self.raw_data and self.raw_data[0])
            self.errors = [_l("Choose a membership type from the list.") if chosen
                           else _l("Choose a membership type.")]


class MembershipTypeRadios(_PlainChoice, IdRadioField):
    pass


class MembershipTypeSelect(_PlainChoice, IdField):
    pass


class JoinForm(FlaskForm):
    membership_type = MembershipTypeRadios(_l("Membership type"), validate_choice=True,
                                           validators=[DataRequired(_l("Choose a membership type."))])

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.membership_type.choices = [(t.id, t.name) for t in types]
        self.types = {t.id: t for t in types}


class InviteForm(FlaskForm):
    email = email_field(_l("Their email address"), description=_l("We send the invitation link there."),
                        required=_l("Enter the email address of the person to invite."))
    name = StringField(_l("Their name (optional)"), validators=[
        Optional(), Length(max=120, message=_l("The name can be at most 120 characters.")),
    ])
    membership_type = MembershipTypeSelect(_l("Membership type"), validate_choice=True,
                                           validators=[DataRequired(_l("Choose a membership type."))])

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.types = list(types)
        self.membership_type.choices = [(t.id, t.name) for t in self.types]


class AcceptInvitationForm(StrongPasswordMixin, FlaskForm):
    """Someone without an account accepts an invitation: the link proved their address."""

    name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter your full name.")),
        Length(max=120, message=_l("Your name can be at most 120 characters.")),
    ])
    password = PasswordField(_l("Choose a password"), description=PASSWORD_HINT, validators=[
        DataRequired(_l("Enter a password.")),
        Length(max=PASSWORD_MAX, message=_l("Use at most %(max)d characters.", max=PASSWORD_MAX)),
    ])

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def personal_words(self):
        return [self.name.data or "", self.email]


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the person confirms by pressing the button."""


class AssociationSearchForm(FlaskForm):
    """Search and filters of the association list (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name contains"), validators=[Optional(), Length(max=100)])
    host = CountryField(_l("Host country"), blank=_l("Any country"), validators=[Optional()])
    heritage = CountryField(_l("Heritage country"), blank=_l("Any country"), validators=[Optional()])
