"""Form pieces every domain uses: the form-page rule, countries and languages from pycountry."""

import pycountry
from flask import render_template
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from diaspora.core.countries import country_choices

INVALID = 422  # a form with errors: shown again, and the transaction rolls back


def form_page(template: str, form, **context):
    """The form's page: 200 when first shown, 422 (and so a rollback) when sent with errors."""
    return render_template(template, form=form, **context), INVALID if form.is_submitted() else 200


def put_beside_field(form, error) -> bool:
    """A service's error (with a `field` attribute) beside that field; True if it went there.
    Otherwise (no such field, or a version conflict) it goes to `form.form_errors`."""
    field = getattr(form, error.field, None) if getattr(error, "field", None) else None
    if field is not None and error.field != "version":
        field.errors = [*field.errors, str(error)]
        return True
    form.form_errors.append(str(error))
    return False


class WholeNumberField(IntegerField):
    """A whole number, or None when left empty; `not_a_number` says, in plain words, what to
    type instead ("Enter the year as four digits, like 2019.")."""

    def __init__(self, label=None, validators=None, *, not_a_number: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(self.not_a_number) from None


class CountryField(SelectField):
    """One ISO 3166 country, by name; stored as its alpha-2 code."""

    def __init__(self, label=None, validators=None, blank: str = "Choose a country", **kwargs):
        super().__init__(label, validators, choices=[("", blank), *country_choices()], **kwargs)

    def pre_validate(self, form):
        if self.data and self.data not in dict(country_choices()):
            raise ValidationError("Choose a country from the list.")


class CountriesField(SelectMultipleField):
    """Several ISO 3166 countries (hold Ctrl or Cmd to pick more than one)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=country_choices(), **kwargs)

    def pre_validate(self, form):
        known = dict(country_choices())
        unknown = [code for code in self.data or [] if code not in known]
        if unknown:
            raise ValidationError("Choose countries from the list.")


def find_language(text: str):
    """An ISO 639 language by code or name (case-insensitive), or None."""
    text = text.strip()
    if not text:
        return None
    try:
        return pycountry.languages.lookup(text)
    except LookupError:
        return None


def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_3=code)
    return language.name if language else code


class LanguagesField(StringField):
    """Languages typed as a comma-separated list of ISO 639 names or codes
    ("English, Twi, fr"); `data` is a list of ISO 639-3 codes."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(language_name(code) for code in self.data or [])

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        self.unknown = []
        codes = []
        for part in (valuelist[0] if valuelist else "").split(","):
            if not part.strip():
                continue
            language = find_language(part)
            if language is None:
                self.unknown.append(part.strip())
            elif language.alpha_3 not in codes:
                codes.append(language.alpha_3)
        self.data = codes

    def pre_validate(self, form):
        if getattr(self, "unknown", None):
            raise ValidationError(
                f"We don't know the language {', '.join(repr(u) for u in self.unknown)}. "
                "Use its name in English, like Twi, Yoruba or French."
            )
