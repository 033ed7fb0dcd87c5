"""Forms for logging and deciding on contributions."""

import pycountry
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, FloatField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from diaspora.contributions.models import KINDS, MODES, SHAREABLE_FIELDS
from diaspora.core.countries import country_name, region_name
from diaspora.core.forms import CountryField, IdField, Select, WholeNumberField
from diaspora.core.i18n import _, _l

MAX_TEXT = 5000


class AmountField(FloatField):
    """A number of hours or points, or None when left empty; a comma counts as a decimal point
    (so the input is text with a decimal keypad: a number input refuses "2,5" in many browsers)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, not_a_number, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", ".")
        if not text:
            self.data = None
            return
        try:
            self.data = float(text)
        except ValueError:
            self.data = None
            raise ValueError(str(self.not_a_number)) from None
        if self.data != self.data or self.data in (float("inf"), float("-inf")):
            self.data = None
            raise ValueError(str(self.not_a_number))


def region_choices(countries: list[str]) -> list[tuple[str, str]]:
    """The ISO 3166-2 regions of the given countries, by country then name, named in the reader's
    language as the pages name them (core.countries.region_name)."""
    choices = [("", _("Choose a region (optional)"))]
    for code in dict.fromkeys(c for c in countries if c):
        subdivisions = pycountry.subdivisions.get(country_code=code) or []
        country = country_name(code)
        names = sorted((region_name(s.code), s.code) for s in subdivisions)
        choices += [(region, f"{name} ({country})") for name, region in names]
    return choices


def currency_choices() -> list[tuple[str, str]]:
    """Every currency by its code, named in the reader's language (Babel)."""
    from diaspora.core.i18n import current_locale
    from diaspora.core.numbers import currency_name
    from diaspora.core.time import DATE_LOCALES

    locale = DATE_LOCALES.get(current_locale(), "en_GB")
    return [("", _("Choose a currency"))] + [
        (c.alpha_3, f"{c.alpha_3} — {currency_name(c.alpha_3, locale)}")
        for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)]


def _limit(maximum: int, message):
    return [Optional(), Length(max=maximum, message=message)]


def _count(label, hint=None):
    return WholeNumberField(label, description=hint, validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=_l("Enter a number from 0 to 10,000,000."))],
        not_a_number=_l("Enter a whole number, like 40."))


class ContributionForm(FlaskForm):
    version = HiddenField()
    kind = SelectField(_l("Kind of contribution"), choices=[("", _l("Choose a kind")), *KINDS.items()],
                       validators=[DataRequired(_l("Choose what kind of contribution this was."))])
    title = StringField(_l("Title"), description=_l("For example: Neonatal resuscitation training at Tamale."),
                        validators=[DataRequired(_l("Enter a title.")),
                                    Length(max=200, message=_l("Keep the title to 200 characters."))])
    description = TextAreaField(_l("What you did"), validators=_limit(
        MAX_TEXT, _l("Keep the description to 5,000 characters.")))
    country = CountryField(_l("Country"), validators=[Optional()])
    region = Select(_l("Region"), description=_l("Regions of your heritage countries and of the country chosen."),
                    choices=[], validators=[Optional()], validate_choice=False)
    partner = StringField(_l("Partner institution or facility"), validators=_limit(
        200, _l("Keep the partner's name to 200 characters.")))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), description=_l("Leave empty for a single day."), validators=[Optional()])
    hours = AmountField(_l("Hours in all"), validators=[
        Optional(), NumberRange(min=0, max=10_000, message=_l("Enter hours from 0 to 10,000."))],
        not_a_number=_l("Enter the hours as a number, like 2.5."))
    participatory_hours = AmountField(_l("Of which participatory hours"), description=_l(
        "Hours of interactive learning: workshops, simulation, discussion."), validators=[
        Optional(), NumberRange(min=0, max=10_000, message=_l("Enter hours from 0 to 10,000."))],
        not_a_number=_l("Enter the hours as a number, like 2.5."))
    mode = SelectField(_l("How it took place"), choices=[("", _l("Choose one (optional)")), *MODES.items()],
                       validators=[Optional()])
    people_trained = _count(_l("People trained"))
    patients_reached = _count(_l("Patients reached"))
    supplies_value = _count(_l("Value of supplies donated"), _l("In whole units of the currency."))
    currency = Select(_l("Currency"), choices=currency_choices, validators=[Optional()], validate_choice=False)
    cpd_points = AmountField(_l("CPD points claimed"), validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Enter points from 0 to 1,000."))],
        not_a_number=_l("Enter the points as a number, like 5."))
    reflection = TextAreaField(_l("Reflection"), description=_l(
        "What you learnt, and what you would do differently."), validators=_limit(
        MAX_TEXT, _l("Keep the reflection to 5,000 characters.")))
    evidence = MultipleFileField(_l("Evidence"), description=_l(
        "Certificates, attendance lists, reports: PDF, PNG or JPEG, up to 5 MB each, at most 5 files."))

    def values(self) -> dict:
        return {name: self[name].data for name in (
            "kind", "title", "description", "country", "region", "partner", "starts_on", "ends_on", "hours",
            "participatory_hours", "mode", "people_trained", "patients_reached", "supplies_value", "currency",
            "cpd_points", "reflection")}


class SubmitForm(FlaskForm):
    version = HiddenField()
    association_id = IdField(_l("Association to verify it"),
                             not_an_id=_l("Choose one of your associations to verify it."),
                             validators=[DataRequired(_l("Choose one of your associations to verify it."))])


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("What should the member change?"), validators=[
        DataRequired(_l("Say what the member should change.")),
        Length(max=2000, message=_l("Keep the reason to 2,000 characters."))])


class WithdrawVerificationForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing the verification?"), description=_l(
        "We email it to the member, who can correct the contribution and send it again."), validators=[
        DataRequired(_l("Say why you are withdrawing the verification.")),
        Length(max=2000, message=_l("Keep the reason to 2,000 characters."))])


class CheckboxesField(SelectMultipleField):
    """A few choices, each a checkbox (rendered by `macros/forms.html: field`)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    multi_choice = True


class SharingForm(FlaskForm):
    fields = CheckboxesField(_l("What the verification page shows"), choices=list(SHAREABLE_FIELDS.items()),
                             description=_l("It always shows the kind, the title, the dates, and which "
                                            "association verified it and when."))
