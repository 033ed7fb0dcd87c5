"""Forms for missions, their teams and reports, and Health Partnerships."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from diaspora.contributions.logbook.forms import currency_choices
from diaspora.core.forms import CountryField, IdField, Select, WholeNumberField
from diaspora.core.i18n import _l

MAX_TEXT = 5000


def _count(label, hint=None):
    return WholeNumberField(label, description=hint, validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=_l("Enter a number from 0 to 10,000,000."))],
        not_a_number=_l("Enter a whole number, like 40."))


def _text(maximum: int, message):
    return [Optional(), Length(max=maximum, message=message)]


class MissionForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Title"), description=_l("For example: Cleft surgery mission to Tamale."),
                        validators=[DataRequired(_l("Enter a title.")),
                                    Length(max=200, message=_l("Keep the title to 200 characters."))])
    country = CountryField(_l("Country"), validators=[DataRequired(_l("Choose a country from the list."))])
    region = Select(_l("Region"), description=_l("Regions of your association's heritage countries and of the "
                                                 "country chosen."),
                    choices=[], validators=[Optional()], validate_choice=False)
    facility = StringField(_l("Facility"), description=_l("The hospital or clinic the team works at."),
                           validators=_text(200, _l("Keep the facility's name to 200 characters.")))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    partnership_id = IdField(_l("Health Partnership"), description=_l("If the mission is part of one."),
                             choices=[], validators=[Optional()],
                             not_an_id=_l("Choose one of your association's partnerships."))

    def values(self) -> dict:
        return {"title": self.title.data, "country": self.country.data, "region": self.region.data,
                "facility": self.facility.data, "starts_on": self.starts_on.data, "ends_on": self.ends_on.data,
                "partnership_id": self.partnership_id.data}


class TeamInviteForm(FlaskForm):
    email = StringField(_l("Member's email address"), description=_l(
        "An active member of your association. We email them the invitation in their language."),
        validators=[DataRequired(_l("Enter an email address.")),
                    Length(max=254, message=_l("Enter an email address of 254 characters or fewer."))])
    role = StringField(_l("Role on the team"), description=_l("For example: Anaesthetist, Team lead."),
                       validators=_text(100, _l("Keep the role to 100 characters.")))


class TookPartForm(FlaskForm):
    took_part = HiddenField()


class ReportForm(FlaskForm):
    version = HiddenField()
    patients_seen = _count(_l("Patients seen"))
    procedures = _count(_l("Procedures"))
    people_trained = _count(_l("People trained"))
    supplies_value = _count(_l("Value of supplies donated"), _l("In whole units of the currency."))
    currency = Select(_l("Currency"), choices=currency_choices, validators=[Optional()], validate_choice=False)
    outcomes = TextAreaField(_l("Outcomes"), description=_l("What the mission achieved, and what should follow."),
                             validators=_text(MAX_TEXT, _l("Keep the outcomes to 5,000 characters.")))

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "patients_seen", "procedures", "people_trained", "supplies_value", "currency", "outcomes")}


class ReflectionForm(FlaskForm):
    reflection = TextAreaField(_l("Your reflection"), description=_l(
        "What you learnt, and what you would do differently."), validators=[
        DataRequired(_l("Write your reflection.")),
        Length(max=MAX_TEXT, message=_l("Keep the reflection to 5,000 characters."))])


class PartnershipForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the partnership's name.")),
        Length(max=200, message=_l("Keep the name to 200 characters."))])
    host_institution = StringField(_l("Host-country institution"), description=_l(
        "Where the work happens: a hospital, a university, a ministry."), validators=[
        DataRequired(_l("Enter the host-country institution.")),
        Length(max=200, message=_l("Keep the institution's name to 200 characters."))])
    heritage_institution = StringField(_l("Heritage-country institution"), validators=[
        DataRequired(_l("Enter the heritage-country institution.")),
        Length(max=200, message=_l("Keep the institution's name to 200 characters."))])
    country = CountryField(_l("Country"), validators=[DataRequired(_l("Choose a country from the list."))])
    aims = TextAreaField(_l("Aims"), validators=_text(MAX_TEXT, _l("Keep this to 5,000 characters.")))
    focal_people = TextAreaField(_l("Focal people"), description=_l("Who to contact on each side."),
                                 validators=_text(MAX_TEXT, _l("Keep this to 5,000 characters.")))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), description=_l("Leave empty while it goes on."), validators=[Optional()])

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "name", "host_institution", "heritage_institution", "country", "aims", "focal_people", "starts_on",
            "ends_on")}
