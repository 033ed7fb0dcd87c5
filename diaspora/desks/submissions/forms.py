"""The submitter's forms: where and what about, the topic's questions, adding information."""

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from diaspora.core.forms import CountryField, HiddenIdField, IdField, WholeNumberField
from diaspora.core.i18n import _l
from diaspora.desks.models import TOPICS
from diaspora.desks.submissions.topics import QUESTIONS

MAX_ANSWER = 5000


class StartForm(FlaskForm):
    """Step one: the country and the topic, and for an officer, on whose behalf."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    country = CountryField(_l("Country"), description=_l("The country whose ministry of health you are writing to."),
                           validators=[DataRequired(_l("Choose a country."))])
    topic = SelectField(_l("What it is about"), choices=[("", _l("Choose a topic")), *TOPICS.items()],
                        validators=[DataRequired(_l("Choose what you are writing about."))])
    association = IdField(_l("Sent by"), validators=[Optional()],
                          not_an_id=_l("Choose yourself or one of your associations."))


def questions_form(topic: str, association_choices: list[tuple], **kwargs) -> FlaskForm:
    """Step two: the topic's questions, a title, the identity choice, files."""

    class QuestionsForm(FlaskForm):
        pass

    QuestionsForm.title = StringField(_l("A short title"), validators=[
        DataRequired(_l("Give it a short title.")), Length(max=200, message=_l("Keep the title to 200 characters."))])
    for question in QUESTIONS[topic]:
        setattr(QuestionsForm, question.name, _field(question))
    QuestionsForm.show_identity = BooleanField(_l("The desk may see my name and email address"), description=_l(
        "If you leave this unticked, the desk sees what you wrote but not who you are. A submission sent for an "
        "association always shows the association."))
    QuestionsForm.association = HiddenIdField()
    QuestionsForm.confirmed = HiddenField()
    QuestionsForm.files = MultipleFileField(_l("Attach files"), description=_l(
        "Optional: PDF, PNG or JPEG, up to 5 MB each, at most 5 files."))
    form = QuestionsForm(**kwargs)
    form.topic = topic
    form.association_choices = dict(association_choices)
    return form


def _field(question):
    required = [InputRequired(_l("Answer this question."))] if question.required else [Optional()]
    length = Length(max=MAX_ANSWER, message=_l("Keep this answer to 5,000 characters."))
    if question.kind == "long":
        return TextAreaField(question.label, description=question.hint, validators=[*required, length])
    if question.kind == "choice":
        return SelectField(question.label, description=question.hint,
                           choices=[("", _l("Choose one")), *question.choices.items()], validators=required)
    if question.kind == "date":
        return DateField(question.label, description=question.hint, validators=required)
    if question.kind == "number":
        return WholeNumberField(question.label, description=question.hint, validators=required,
                                not_a_number=_l("Enter a whole number, like 6."))
    return StringField(question.label, description=question.hint, validators=[*required, length])


def answers_of(form) -> dict:
    return {question.name: form[question.name].data for question in QUESTIONS[form.topic]}


class InformationForm(FlaskForm):
    body = TextAreaField(_l("What you want to add"), validators=[
        DataRequired(_l("Write what you want to add.")),
        Length(max=MAX_ANSWER, message=_l("Keep this to 5,000 characters."))])
    files = MultipleFileField(_l("Attach files"), description=_l("Optional: PDF, PNG or JPEG, up to 5 MB each."))
