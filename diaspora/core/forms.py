"""Form pieces every domain uses: the form-page rule, service errors beside their field,
countries and languages from ISO 3166 / ISO 639 (pycountry, with names from Babel)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from flask import render_template
from markupsafe import Markup, escape
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from diaspora.core.countries import country_choices
from diaspora.core.domain import VERSION_FIELD, DomainError
from diaspora.core.i18n import _, _l
from diaspora.core.ids import parse_id
from diaspora.core.text import fold

INVALID = 422  # a form with errors: shown again, and the transaction rolls back


def form_page(template: str, form, status: int | None = None, **context):
    """The form's page: 200 when first shown, 422 (and so a rollback) when sent with errors."""
    if status is None:
        status = INVALID if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def put_beside_field(form, error: DomainError) -> bool:
    """A service's error beside the field it names; True if it went there. Otherwise (no
    such field, or a version conflict) it goes to the top of the form (`form.form_errors`)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and error.field != VERSION_FIELD:
        field.errors = [*field.errors, str(error)]
        return True
    form.form_errors.append(str(error))
    return False


def is_conflict(error: DomainError) -> bool:
    return error.field == VERSION_FIELD


@dataclass
class Edit:
    """What became of a sent edit form: `saved` (with what the save returned, `result`), or
    shown again with its errors, or a `conflict` (someone saved first: the message to show)."""

    saved: bool = False
    result: Any = None
    conflict: str | None = None


def save_edit(form, save: Callable[[], Any], version: Callable[[], Any]) -> Edit:
    """Validate a form carrying the version its sender read, and save it (`save`, a service
    call that checks that version). A service error goes beside its field; a version conflict
    gives the form the version saved now (`version()`), so that saving again means "keep what
    I typed" after the sender has seen what the other person saved."""
    if not form.validate_on_submit():
        return Edit()
    try:
        result = save()
    except DomainError as error:
        if not is_conflict(error):
            put_beside_field(form, error)
            return Edit()
        form.version.data = str(version())
        return Edit(conflict=str(error))
    return Edit(saved=True, result=result)


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
        text = valuelist[0].strip().replace(",", "").replace(" ", "")
        if not text.lstrip("-").isdigit() or len(text) > 12:
            self.data = None
            raise ValueError(str(self.not_a_number))
        self.data = int(text)


class CachedSelect(Select):
    """A <select> whose options are rendered once per set of choices (and language) and reused:
    WTForms builds every option on every page, which for 250 countries costs more than a list's
    SQL. Only the chosen option is marked afresh."""

    _cache: dict = {}

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        # A field whose choices are the same for every reader of a language (the countries)
        # names them by a short key, so that they are not even listed again to be looked up.
        key = field.choices_key() if hasattr(field, "choices_key") else None
        options = self._cache.get(key) if key is not None else None
        if options is None:
            choices = tuple((str(value), str(label)) for value, label in _choice_pairs(field))
            options = self._cache.get(choices)
            if options is None:
                if len(self._cache) > 512:
                    self._cache.clear()
                options = self._cache[choices] = {
                    value: f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices}
            if key is not None:
                self._cache[key] = options
        chosen = "" if field.data is None else str(field.data)
        if chosen not in options:
            chosen = None  # no option to mark (and what was typed does not grow the cache)
        body = self._cache.get((id(options), chosen))  # the options are kept, so their id is theirs
        if body is None:
            body = self._cache[(id(options), chosen)] = "".join(
                html.replace("<option ", "<option selected ", 1) if value == chosen else html
                for value, html in options.items())
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{body}</select>")


def _choice_pairs(field):
    choices = field.choices() if callable(field.choices) else field.choices
    return [choice[:2] for choice in choices]


class Select(SelectField):
    """A SelectField rendered through the cache above."""

    widget = CachedSelect()


# ---------------------------------------------------------------------------- ids


class _IdChoice:
    """A record chosen by its id: `data` is an int, or None when nothing was chosen. A value
    that can name no record (`core.ids.parse_id`: out of range, not a number) is refused
    beside the field with `not_an_id`, once; whether the record exists and may be chosen is
    for the service to say."""

    def __init__(self, label=None, validators=None, *, not_an_id=_l("Choose one from the list."), **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, coerce=parse_id, **kwargs)
        self.not_an_id = not_an_id

    def process_data(self, value):
        self.data = parse_id(value)

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = parse_id(text)
        if text and self.data is None:
            raise ValueError(str(self.not_an_id))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # said once: not again by DataRequired
        super().pre_validate(form)


class IdField(_IdChoice, Select):
    """One record from a drop-down list, by id."""


class IdRadioField(_IdChoice, RadioField):
    """One record from a few radio buttons, by id."""


class IdsField(SelectMultipleField):
    """Several records ticked in a list, by id: `data` is a list of ints. A value that can
    name no record refuses the whole choice with `not_an_id` (nothing half-done)."""

    def __init__(self, label=None, validators=None, *, not_an_id=_l("Choose from the list."), **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, coerce=parse_id, **kwargs)
        self.not_an_id = not_an_id

    def process_data(self, value):
        self.data = [number for number in map(parse_id, value or []) if number is not None]

    def process_formdata(self, valuelist):
        numbers = [parse_id(value) for value in valuelist]
        self.data = [number for number in numbers if number is not None]
        if None in numbers:
            raise ValueError(str(self.not_an_id))


class HiddenIdField(HiddenField):
    """An id the page carries in a hidden input (a row's "Remove" button): an int or None."""

    def process_data(self, value):
        self.data = parse_id(value)

    def process_formdata(self, valuelist):
        self.data = parse_id(valuelist[0]) if valuelist else None

    def _value(self):
        return "" if self.data is None else str(self.data)


# ---------------------------------------------------------------------------- countries


class CountryField(Select):
    """One ISO 3166 country, by name; stored as its alpha-2 code."""

    def __init__(self, label=None, validators=None, blank=_l("Choose a country"), **kwargs):
        super().__init__(label, validators, choices=lambda: [("", blank), *country_choices()], **kwargs)
        self.blank, self._own_choices = blank, self.choices

    def choices_key(self) -> tuple | None:
        """Its options depend on the language and the blank choice's words only (CachedSelect),
        unless the choices were changed after the form was made."""
        from diaspora.core.i18n import current_locale

        if self.choices is not self._own_choices:
            return None
        return ("countries", current_locale(), str(self.blank))

    def pre_validate(self, form):
        if self.data and self.data not in dict(country_choices()):
            raise ValidationError(_("Choose a country from the list."))


class CountriesField(SelectMultipleField):
    """Several ISO 3166 countries, each a checkbox: one tap per country on a phone, no
    JavaScript needed (templates render it with `macros/forms.html: multi_choice`)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
    multi_choice = True

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=country_choices, **kwargs)

    def pre_validate(self, form):
        known = dict(country_choices())
        if any(code not in known for code in self.data or []):
            raise ValidationError(_("Choose countries from the list."))


# ---------------------------------------------------------------------------- languages


NAME_LOCALES = ("en", "fr", "pt")


@cache
def _language_lookup() -> dict[str, str]:
    """Folded name or code -> ISO 639-3 code: pycountry's codes and English names, and each
    language's own name and its names in English, French and Portuguese from Babel (CLDR)."""
    lookup: dict[str, str] = {}
    for language in pycountry.languages:
        code = language.alpha_3
        for attribute in ("alpha_3", "alpha_2", "name", "common_name", "inverted_name"):
            value = getattr(language, attribute, None)
            if value:
                lookup.setdefault(fold(value), code)
    by_short_code = {lang.alpha_2: lang.alpha_3 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    for locale_code in NAME_LOCALES:
        for short, name in Locale(locale_code).languages.items():
            code = by_short_code.get(short) or (short if len(short) == 3 else None)
            if code and pycountry.languages.get(alpha_3=code):
                lookup.setdefault(fold(name), code)
    for short, code in by_short_code.items():
        try:
            native = Locale(short).get_display_name(short)
        except (ValueError, TypeError, LookupError, UnknownLocaleError):
            continue
        if native:
            lookup.setdefault(fold(native), code)
            # "Èdè Yorùbá": also the bare name after a leading word for "language"
            lookup.setdefault(fold(native.split(" ")[-1]), code)
    return lookup


def find_language(text: str):
    """An ISO 639 language by code or name (English or its own, any accents or case), or None."""
    code = _language_lookup().get(fold(text))
    return pycountry.languages.get(alpha_3=code) if code else None


def language_name(code: str) -> str:
    """The language's name in the reader's language (Babel), else its English ISO name."""
    from diaspora.core.i18n import current_locale

    language = pycountry.languages.get(alpha_3=code)
    if language is None:
        return code
    short = getattr(language, "alpha_2", None)
    if short:
        localised = Locale.parse(current_locale()).languages.get(short)
        if localised:
            return localised[:1].upper() + localised[1:]
    return language.name


class LanguagesField(StringField):
    """Languages typed as a comma-separated list of names or codes ("English, Twi, Yorùbá,
    fr"); `data` is a list of ISO 639-3 codes."""

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
            raise ValidationError(_(
                "We don't know the language %(names)s. Use its name in English or in the language "
                "itself, like Twi, Yorùbá or Français.",
                names=", ".join(f"“{u[:40]}”" for u in self.unknown[:3])))
