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
from diaspora.core.forms import CountriesField, CountryField, LanguagesField, WholeNumberField
from diaspora.core.i18n import _, _l
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
            raise ValidationError(_(
                "Each skill can be at most %(max)d characters; shorten “%(skill)s…”. Separate skills "
                "with commas.", max=SKILL_MAX_LENGTH, skill=too_long[0][:30]))
        if len(self.data or []) > MAX_SKILLS:
            raise ValidationError(_("List at most %(max)d skills; you listed %(count)d.",
                                    max=MAX_SKILLS, count=len(self.data)))


def _choices(labels: dict, blank=None) -> list[tuple]:
    return ([("", blank)] if blank else []) + list(labels.items())


class ProfileForm(FlaskForm):
    cadre = SelectField(_l("Your profession"), choices=_choices(CADRES, _l("Choose your profession")),
                        validators=[DataRequired(_l("Choose your profession."))])
    specialty = StringField(
        _l("Specialty"), description=_l("For example: critical care, paediatrics, pharmacovigilance."),
        validators=[Optional(), Length(max=120, message=_l("Keep the specialty to 120 characters."))],
    )
    host_country = CountryField(_l("Country where you live and work"), validators=[Optional()])
    host_city = StringField(_l("City where you live and work"), validators=[
        Optional(), Length(max=120, message=_l("Keep the city to 120 characters.")),
    ])
    heritage_countries = CountriesField(
        _l("Heritage countries"),
        description=_l("The countries you come from or give back to. Tick each one."),
        validators=[DataRequired(_l("Choose at least one heritage country."))],
    )
    languages = LanguagesField(_l("Languages you work in"),
                               description=_l("Separate them with commas, for example: English, Twi, French."))
    skills = SkillsField(_l("Skills"), description=_l("Separate them with commas, for example: ultrasound, "
                                                      "mentoring, infection control. At most %(max)d.",
                                                      max=MAX_SKILLS),
                         render_kw={"list": "skill-suggestions"})
    return_interest = SelectField(_l("Interest in working in a heritage country"),
                                  choices=_choices(RETURN_INTERESTS), default="none")
    return_horizon = SelectField(_l("When"), choices=_choices(RETURN_HORIZONS, _l("Choose when")),
                                 description=_l("Needed unless you chose “Not at the moment”."))
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
    kind = SelectField(_l("Kind"), choices=_choices(CREDENTIAL_KINDS), default="qualification",
                       description=_l("A qualification (a degree, a licence, a certificate) or a "
                                      "responsibility (a post or role you held)."))
    title = StringField(_l("Title"),
                        description=_l("For example: MSc Advanced Nursing Practice, or Ward Manager."),
                        validators=[DataRequired(_l("Enter the title.")),
                                    Length(max=200, message=_l("Keep the title to 200 characters."))])
    awarding_body = StringField(_l("Awarding body or employer"), validators=[
        DataRequired(_l("Enter who awarded it or where you held it.")),
        Length(max=200, message=_l("Keep this to 200 characters.")),
    ])
    year = WholeNumberField(_l("Year"), description=_l("The year it was awarded or began."),
                            validators=[InputRequired(_l("Enter the year, like 2019."))],
                            not_a_number=_l("Enter the year as four digits, like 2019."))
    evidence = FileField(_l("Evidence (optional)"),
                         description=_l("A certificate or letter: a PDF, PNG or JPEG file of at most 5 MB."))

    def validate_year(self, field):
        if field.data is not None and (problem := credential_year_problem(field.data)):
            raise ValidationError(problem)


class PlainDateField(DateField):
    """A date (the browser's date picker sends YYYY-MM-DD); an empty box is left to InputRequired."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, invalid_value_message=_l("Enter a real date, like 2027-03-14."),
                         **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class AvailabilityForm(FlaskForm):
    starts_on = PlainDateField(_l("From"), validators=[InputRequired(_l("Enter the first day you are available."))])
    ends_on = PlainDateField(_l("Until"), validators=[InputRequired(_l("Enter the last day you are available."))])
    mode = SelectField(_l("How"), choices=_choices(AVAILABILITY_MODES, _l("Choose how you can take part")),
                       validators=[DataRequired(_l("Choose how you can take part."))])
    note = StringField(_l("Note (optional)"), description=_l("For example: weekends only, or two weeks at most."),
                       validators=[Optional(), Length(max=200, message=_l("Keep the note to 200 characters."))])

    def validate_ends_on(self, field):
        if self.starts_on.data is None or field.data is None:
            return  # already explained beside the empty or wrong box
        problem = availability_problem(self.starts_on.data, field.data)
        if problem:
            raise ValidationError(problem[1])


def desk_field_name(country: str) -> str:
    return f"desk_{country}"


def registration_field_name(country: str) -> str:
    return f"registration_{country}"


class ConsentsForm(FlaskForm):
    directory = BooleanField(_l("Show me in my associations' member directories"))

    def desk_fields(self):
        return [field for field in self if field.name.startswith("desk_")]


def consents_form(countries: list[str], **kwargs) -> ConsentsForm:
    """The consents form with one "share with the desk of <country>" box per country."""

    class Form(ConsentsForm):
        pass

    for country in countries:
        setattr(Form, desk_field_name(country),
                BooleanField(_("Share my profile with the diaspora desk of %(country)s",
                                  country=country_name(country))))
        setattr(Form, registration_field_name(country),
                BooleanField(_("Also let it read my licences' registration numbers (only while I share my "
                               "profile with it)")))
    return Form(**kwargs)
