"""Forms of the admins' desk pages: a desk, an officer to add."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from diaspora.core.forms import CountryField, HiddenIdField, WholeNumberField
from diaspora.core.i18n import _l
from diaspora.desks.setup.setup import topic_choices


class TopicsField(SelectMultipleField):
    """The topics a desk takes: one checkbox each (macros/forms.html: multi_choice)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    multi_choice = True


def _days(label, hint):
    return WholeNumberField(label, description=hint, validators=[
        DataRequired(_l("Enter a number of working days from 1 to 365.")),
        NumberRange(min=1, max=365, message=_l("Enter a number of working days from 1 to 365."))],
        not_a_number=_l("Enter a whole number of working days, like 10."))


class DeskForm(FlaskForm):
    version = HiddenField()
    country = CountryField(_l("Country"), validators=[DataRequired(_l("Choose a country from the list."))])
    ministry = StringField(_l("Ministry"), description=_l("For example: Ministry of Health."), validators=[
        DataRequired(_l("Enter the ministry's name.")),
        Length(max=200, message=_l("Keep this to 200 characters."))])
    name = StringField(_l("Desk name"), description=_l("For example: Diaspora Engagement Desk."), validators=[
        DataRequired(_l("Enter the desk's name.")), Length(max=200, message=_l("Keep this to 200 characters."))])
    contact_email = StringField(_l("Contact email address"), description=_l("Optional: shown to submitters."),
                                validators=[Optional(), Length(max=254, message=_l(
                                    "Enter an email address of 254 characters or fewer."))])
    topics = TopicsField(_l("Topics it takes"), description=_l(
        "“Every topic” makes it the country's desk for whatever no other desk of the country takes."),
        choices=topic_choices, validate_choice=False)
    acknowledgement_days = _days(_l("Working days to acknowledge"), _l("The desk's target, for example 10."))
    answer_days = _days(_l("Working days to answer"), _l("The desk's target, for example 30."))

    def values(self) -> dict:
        return {"country": self.country.data, "ministry": self.ministry.data, "name": self.name.data,
                "contact_email": self.contact_email.data, "acknowledgement_days": self.acknowledgement_days.data,
                "answer_days": self.answer_days.data}


class OfficerForm(FlaskForm):
    email = StringField(_l("Email address"), description=_l(
        "Someone with an account is added at once and told. Someone without one is invited to register "
        "with this address, then added when they open the link in the invitation."),
        validators=[DataRequired(_l("Enter an email address.")),
                    Length(max=254, message=_l("Enter an email address of 254 characters or fewer."))])


class RemoveOfficerForm(FlaskForm):
    user_id = HiddenIdField()
