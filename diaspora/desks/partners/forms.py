"""Forms of MoUs and calls for support."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from diaspora.core.forms import IdField, Select
from diaspora.core.i18n import _, _l
from diaspora.members.models import CADRES

MAX_TEXT = 5000


class MouForm(FlaskForm):
    version = HiddenField()
    association_id = IdField(_l("Association"), description=_l("An approved association of the platform."),
                             choices=[], validators=[DataRequired(_l("Choose an association from the list."))],
                             not_an_id=_l("Choose an association from the list."))
    scope = TextAreaField(_l("Scope"), description=_l("What the MoU covers: the work, the places, the people."),
                          validators=[DataRequired(_l("Describe what the MoU covers.")),
                                      Length(max=MAX_TEXT, message=_l("Keep this to 5,000 characters."))])
    status = RadioField(_l("Status"), choices=[], validators=[DataRequired(_l("Choose one of the options."))],
                        validate_choice=False)
    signed_on = DateField(_l("Signed on"), description=_l("Needed once it is signed."), validators=[Optional()])
    review_on = DateField(_l("Review on"), description=_l("When the desk and the association look at it again."),
                          validators=[Optional()])
    document = FileField(_l("The document"), description=_l(
        "Optional: the signed MoU as a PDF, PNG or JPEG file of at most 5 MB. A new file replaces the old one."))

    def values(self) -> dict:
        return {"association_id": self.association_id.data, "scope": self.scope.data,
                "status": self.status.data, "signed_on": self.signed_on.data, "review_on": self.review_on.data}


def cadre_choices() -> list[tuple[str, str]]:
    return [("", _("Any cadre"))] + [(key, str(label)) for key, label in CADRES.items()]


class CallForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("For example: Paediatric nurses for a measles campaign."),
                        validators=[DataRequired(_l("Enter a title.")),
                                    Length(max=200, message=_l("Keep the title to 200 characters."))])
    description = TextAreaField(_l("What is needed"), validators=[
        Optional(), Length(max=MAX_TEXT, message=_l("Keep this to 5,000 characters."))])
    cadre = Select(_l("Cadre"), choices=cadre_choices, validators=[Optional()], validate_choice=False)
    specialty = StringField(_l("Specialty or skill"), description=_l(
        "Optional: matched against members' specialties and skills, for example: paediatrics."),
        validators=[Optional(), Length(max=120, message=_l("Keep the specialty to 120 characters."))])
    region = Select(_l("Region"), choices=[], validators=[Optional()], validate_choice=False)
    starts_on = DateField(_l("First day"), validators=[DataRequired(_l("Enter the first day."))])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(_l("Enter the last day."))])
    mode = RadioField(_l("How"), choices=[], default="either", validators=[
        DataRequired(_l("Choose one of the options."))], validate_choice=False)
    licence_required = BooleanField(_l("A licence to practise in the country, valid through the last day, "
                                       "is required"))

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "title", "description", "cadre", "specialty", "region", "starts_on", "ends_on", "mode",
            "licence_required")}


class AnswerForm(FlaskForm):
    note = TextAreaField(_l("A note for the desk"), description=_l(
        "Optional: when you could come, what you can offer, how to reach you."),
        validators=[Optional(), Length(max=MAX_TEXT, message=_l("Keep this to 5,000 characters."))])
