"""Sample data for the living style guide (/admin/styleguide): a status machine with every tone,
and a form with every kind of field, one of them wrong."""

from enum import StrEnum

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired

from diaspora.core.forms import CountriesField, CountryField, Select
from diaspora.core.i18n import _l
from diaspora.core.states import StateMachine


class SampleStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


SAMPLE_STATES = StateMachine(
    SampleStatus,
    labels={SampleStatus.DRAFT: _l("Draft"), SampleStatus.SUBMITTED: _l("Waiting for verification"),
            SampleStatus.VERIFIED: _l("Verified"), SampleStatus.RETURNED: _l("Returned to you"),
            SampleStatus.WITHDRAWN: _l("Withdrawn")},
    tones={SampleStatus.DRAFT: "neutral", SampleStatus.SUBMITTED: "info", SampleStatus.VERIFIED: "success",
           SampleStatus.RETURNED: "warning", SampleStatus.WITHDRAWN: "danger"},
)


class SampleForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("Full name"), description=_l("As it appears on your registration."),
                       validators=[DataRequired(_l("Enter your full name."))])
    country = CountryField(_l("Country"))
    cadre = Select(_l("Profession"), choices=[("nurse", _l("Nurse")), ("midwife", _l("Midwife"))])
    mode = RadioField(_l("How you took part"), choices=[("in_person", _l("In person")), ("remote", _l("Remotely"))],
                      default="remote")
    countries = CountriesField(_l("Heritage countries"), description=_l("Tick each one."), default=["GH"])
    notes = TextAreaField(_l("Notes"))
    agree = BooleanField(_l("I confirm these details are true"))


def sample_form() -> SampleForm:
    form = SampleForm(formdata=None)
    form.name.errors = [str(_l("Enter your full name."))]
    return form
