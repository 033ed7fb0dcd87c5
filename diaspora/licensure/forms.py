"""Forms for licences, CPD activities and sharing choices."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from diaspora.contributions.logbook.forms import AmountField
from diaspora.core.countries import country_name
from diaspora.core.forms import IdField
from diaspora.core.i18n import _l
from diaspora.licensure.models import CATEGORIES
from diaspora.licensure.units import ACTIVITY_UNITS, UNIT_LABELS, CpdUnit


def regulator_choices(regulators) -> list[tuple]:
    return [("", _l("Choose the regulator"))] + [
        (r.id, f"{country_name(r.country)}: {r.name} ({r.short_name})") for r in regulators]


class LicenceForm(FlaskForm):
    version = HiddenField()
    regulator_id = IdField(_l("Regulator"), not_an_id=_l("Choose the regulator from the list."),
                           validators=[DataRequired(_l("Choose the regulator from the list."))])
    registration_number = StringField(_l("Registration number"), validators=[
        DataRequired(_l("Enter your registration number.")),
        Length(max=60, message=_l("Keep the registration number to 60 characters."))])
    category = SelectField(_l("Category"), choices=list(CATEGORIES.items()), default="full")
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(_l("Expires on"), description=_l("The last day it is valid. Leave empty if you do not "
                                                            "know: its status then shows as unknown."),
                           validators=[Optional()])
    certificate = FileField(_l("Certificate"), description=_l("A scan or photo: PDF, PNG or JPEG, up to 5 MB."))
    reminders = BooleanField(_l("Email me 90, 30 and 7 days before it expires, and when it lapses"), default=True)

    def values(self) -> dict:
        return {name: self[name].data for name in ("regulator_id", "registration_number", "category", "issued_on",
                                                   "expires_on", "reminders")}


class CpdActivityForm(FlaskForm):
    title = StringField(_l("What the activity was"), description=_l("For example: Advanced life support course."),
                        validators=[DataRequired(_l("Enter what the activity was.")),
                                    Length(max=200, message=_l("Keep the title to 200 characters."))])
    provider = StringField(_l("Provider"), validators=[
        Optional(), Length(max=200, message=_l("Keep the provider's name to 200 characters."))])
    completed_on = DateField(_l("Completed on"), validators=[Optional()])
    hours = AmountField(_l("Hours"), description=_l("The time it took, where its certificate gives it."), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Enter hours from 0 to 1,000."))],
        not_a_number=_l("Enter the hours as a number, like 2.5."))
    amount = AmountField(_l("CPD it gave"), description=_l("As its certificate says, like 5. Leave it empty if it "
                                                           "gave none: its hours may still count."),
                         validators=[Optional(), NumberRange(min=0, max=1000,
                                                             message=_l("Enter a number from 0 to 1,000."))],
                         not_a_number=_l("Enter the CPD it gave as a number, like 5."))
    unit = SelectField(_l("Counted in"), choices=[(unit.value, UNIT_LABELS[unit]) for unit in ACTIVITY_UNITS],
                       default=CpdUnit.POINTS.value)
    evidence = FileField(_l("Evidence"), description=_l("A certificate of attendance: PDF, PNG or JPEG, up to 5 MB."))
