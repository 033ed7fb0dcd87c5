"""The member's own forms: profile, credentials, availability, consents, leaving, deleting."""

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from diaspora.core.countries import country_name
from diaspora.core.files import ACCEPTED_DESCRIPTION
from diaspora.core.forms import CountriesField, CountryField, LanguagesField, WholeNumberField
from diaspora.members.credentials import availability_problem, credential_year_problem
from diaspora.members.models import (
    AVAILABILITY_MODES,
    CADRES,
    CREDENTIAL_KINDS,
    RETURN_HORIZONS,
    RETURN_INTERESTS,
)
from diaspora.members.profiles import return_horizon_problem

SKILL_MAX_LENGTH = 80
MAX_SKILLS = 30


def normalise_skill(text: str) -> str:
    """A skill tag as stored: trimmed, single spaces, lower case."""
    return re.sub(r"\s+", " ", text).strip().lower()


class SkillsField(StringField):
    """Free tags typed as a comma-separated list; `data` is a list of normalised, distinct tags."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        tags = []
        for part in (valuelist[0] if valuelist else "").split(","):
            tag = normalise_skill(part)
            if tag and tag not in tags:
                tags.append(tag)
        self.data = tags

    def pre_validate(self, form):
        too_long = [tag for tag in self.data or [] if len(tag) > SKILL_MAX_LENGTH]
        if too_long:
            raise ValidationError(
                f"Each skill can be at most {SKILL_MAX_LENGTH} characters; "
                f"shorten “{too_long[0][:30]}…”. Separate skills with commas."
            )
        if len(self.data or []) > MAX_SKILLS:
            raise ValidationError(f"List at most {MAX_SKILLS} skills; you listed {len(self.data)}.")


def _choices(labels: dict[str, str], blank: str | None = None) -> list[tuple[str, str]]:
    return ([("", blank)] if blank else []) + list(labels.items())


class ProfileForm(FlaskForm):
    cadre = SelectField("Your profession", choices=_choices(CADRES, "Choose your profession"),
                        validators=[DataRequired("Choose your profession.")])
    specialty = StringField(
        "Specialty", description="For example: critical care, paediatrics, pharmacovigilance.",
        validators=[Optional(), Length(max=120, message="Keep the specialty to 120 characters.")],
    )
    host_country = CountryField("Country where you live and work", validators=[Optional()])
    host_city = StringField("City where you live and work", validators=[
        Optional(), Length(max=120, message="Keep the city to 120 characters."),
    ])
    heritage_countries = CountriesField(
        "Heritage countries",
        description="The countries you come from or give back to. "
                    "Tick each one.",
        validators=[DataRequired("Choose at least one heritage country.")],
    )
    languages = LanguagesField("Languages you work in",
                               description="Separate them with commas, for example: English, Twi, French.")
    skills = SkillsField("Skills", description=f"Separate them with commas, for example: ultrasound, "
                                               f"mentoring, infection control. At most {MAX_SKILLS}.",
                         render_kw={"list": "skill-suggestions"})
    return_interest = SelectField("Interest in working in a heritage country",
                                  choices=_choices(RETURN_INTERESTS), default="none")
    return_horizon = SelectField("When", choices=_choices(RETURN_HORIZONS, "Choose when"),
                                 description="Needed unless you chose “Not at the moment”.")
    version = HiddenField()

    def validate_return_horizon(self, field):
        problem = return_horizon_problem(self.return_interest.data, field.data)
        if problem:
            raise ValidationError(problem)

    def values(self) -> dict:
        """What the service needs."""
        interest = self.return_interest.data
        return {
            "cadre": self.cadre.data,
            "specialty": (self.specialty.data or "").strip() or None,
            "host_country": self.host_country.data or None,
            "host_city": (self.host_city.data or "").strip() or None,
            "heritage_countries": sorted(set(self.heritage_countries.data or [])),
            "languages": sorted(self.languages.data or []),
            "skills": sorted(self.skills.data or []),
            "return_interest": interest,
            "return_horizon": self.return_horizon.data if interest != "none" else None,
        }


class CredentialForm(FlaskForm):
    kind = SelectField("Kind", choices=_choices(CREDENTIAL_KINDS), default="qualification",
                       description="A qualification (a degree, a licence, a certificate) or a "
                                   "responsibility (a post or role you held).")
    title = StringField("Title", description="For example: MSc Advanced Nursing Practice, or Ward Manager.",
                        validators=[DataRequired("Enter the title."),
                                    Length(max=200, message="Keep the title to 200 characters.")])
    awarding_body = StringField("Awarding body or employer", validators=[
        DataRequired("Enter who awarded it or where you held it."),
        Length(max=200, message="Keep this to 200 characters."),
    ])
    year = WholeNumberField("Year", description="The year it was awarded or began.",
                            validators=[InputRequired("Enter the year, like 2019.")],
                            not_a_number="Enter the year as four digits, like 2019.")
    evidence = FileField("Evidence (optional)",
                         description=f"A certificate or letter: {ACCEPTED_DESCRIPTION}.")

    def validate_year(self, field):
        if field.data is not None and (problem := credential_year_problem(field.data)):
            raise ValidationError(problem)


class PlainDateField(DateField):
    """A date (the browser's date picker sends YYYY-MM-DD); an empty box is left to InputRequired."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, invalid_value_message="Enter a real date, like 2027-03-14.",
                         **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class AvailabilityForm(FlaskForm):
    starts_on = PlainDateField("From", validators=[InputRequired("Enter the first day you are available.")])
    ends_on = PlainDateField("Until", validators=[InputRequired("Enter the last day you are available.")])
    mode = SelectField("How", choices=_choices(AVAILABILITY_MODES, "Choose how you can take part"),
                       validators=[DataRequired("Choose how you can take part.")])
    note = StringField("Note (optional)", description="For example: weekends only, or two weeks at most.",
                       validators=[Optional(), Length(max=200, message="Keep the note to 200 characters.")])

    def validate_ends_on(self, field):
        if self.starts_on.data is None or field.data is None:
            return  # already explained beside the empty or wrong box
        problem = availability_problem(self.starts_on.data, field.data)
        if problem:
            raise ValidationError(problem[1])


def desk_field_name(country: str) -> str:
    return f"desk_{country}"


class ConsentsForm(FlaskForm):
    directory = BooleanField("Show me in my associations' member directories")

    def desk_fields(self):
        return [field for field in self if field.name.startswith("desk_")]


def consents_form(countries: list[str], **kwargs) -> ConsentsForm:
    """The consents form with one "share with the desk of <country>" box per country."""

    class Form(ConsentsForm):
        pass

    for country in countries:
        setattr(Form, desk_field_name(country),
                BooleanField(f"Share my profile with the diaspora desk of {country_name(country)}"))
    return Form(**kwargs)
