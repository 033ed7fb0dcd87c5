"""The admins' forms: a regulator of the catalogue, a country added to the safeguards list."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from diaspora.contributions.logbook.forms import AmountField
from diaspora.core.forms import CountryField, Select, WholeNumberField
from diaspora.core.i18n import _l
from diaspora.licensure.catalogue import REGULATOR_FIELDS, WHO_REGIONS
from diaspora.licensure.units import UNIT_LABELS

UNKNOWN_IF_BLANK = _l("Leave it empty if you do not know: it then shows as unknown.")


def _text(label, limit: int, description=UNKNOWN_IF_BLANK, required=None):
    validators = [DataRequired(required)] if required else [Optional()]
    return StringField(label, description=description, validators=[
        *validators, Length(max=limit, message=_l("Keep it to %(num)d characters.", num=limit))])


class RegulatorForm(FlaskForm):
    version = HiddenField()
    country = CountryField(_l("Country"), validators=[DataRequired(_l("Choose the regulator's country."))])
    name = _text(_l("Name"), 200, description=None, required=_l("Enter the regulator's name."))
    short_name = _text(_l("Short name"), 30, description=_l("As people say it, like NMC."),
                       required=_l("Enter the short name people know it by, like NMC."))
    cadres = _text(_l("Cadres it registers"), 300)
    renewal_cycle_months = WholeNumberField(
        _l("Renewal cycle, in months"), description=UNKNOWN_IF_BLANK,
        validators=[Optional()],  # its range is the service's rule (beside the field all the same)
        not_a_number=_l("Enter the cycle as a whole number of months, like 12."))
    renewal_due = _text(_l("When renewal is due"), 300)
    cpd_required_per_cycle = AmountField(
        _l("CPD required per cycle"), description=UNKNOWN_IF_BLANK,
        validators=[Optional()],
        not_a_number=_l("Enter the CPD required as a number, like 15."))
    cpd_unit = Select(_l("Unit the CPD is counted in"), choices=[("", _l("Unknown"))] + list(UNIT_LABELS.items()),
                      description=_l("As the source says it. Only CPD given in this unit counts towards the "
                                     "requirement, or hours through the conversion below."),
                      validators=[Optional()])
    cpd_hours_per_unit = AmountField(
        _l("Conversion: hours for one of its units"),
        description=_l("Only where the source gives one: 1 when it says 1 credit = 1 hour. Leave it empty "
                       "otherwise: hours are then not converted."),
        validators=[Optional()], not_a_number=_l("Enter the hours as a number, like 1."))
    cpd_note = _text(_l("About the CPD required"), 300,
                     description=_l("What the source adds, in its words: another amount for some cadres, "
                                    "a mandatory part."))
    special_rules = TextAreaField(_l("Special rules"), description=UNKNOWN_IF_BLANK, validators=[
        Optional(), Length(max=5000, message=_l("Keep it to %(num)d characters.", num=5000))])
    lapse_consequence = _text(_l("What happens when a licence lapses"), 300)
    website = _text(_l("Website"), 300, description=_l("Its full address, like https://example.org"))
    source = _text(_l("Source of these rules"), 300, description=_l("Where you read them: a page, a document."))
    checked_on = DateField(_l("Date checked"), description=_l("The day the rules were checked against the source."),
                           validators=[Optional()])

    def values(self) -> dict:
        return {name: self[name].data for name in REGULATOR_FIELDS}


class SafeguardCountryForm(FlaskForm):
    country = CountryField(_l("Country"), validators=[DataRequired(_l("Choose the country to add."))])
    who_region = Select(_l("WHO region"), choices=[("", _l("Unknown"))] + list(WHO_REGIONS.items()),
                        validators=[Optional()])
    note = StringField(_l("Note"), description=_l("Why it was added: the source you read it in."), validators=[
        Optional(), Length(max=300, message=_l("Keep it to %(num)d characters.", num=300))])
