"""The forms of a desk officer's work on submissions. Each form on a submission carries the
version it was shown, so a colleague's change made meanwhile is caught (desks/work/work.py)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from diaspora.core.forms import IdField
from diaspora.core.i18n import _l
from diaspora.desks.work.work import MAX_TEXT


def _text(label, required_message, too_long_message, hint=None):
    return TextAreaField(label, description=hint, validators=[
        DataRequired(required_message), Length(max=MAX_TEXT, message=too_long_message)])


class AssignForm(FlaskForm):
    version = HiddenField()
    assignee_id = IdField(_l("Assigned to"), validators=[Optional()], not_an_id=_l("Choose an officer of this desk."))


class ActionForm(FlaskForm):
    """Acknowledge or review (no text), resolve or close (with the outcome the submitter reads)."""

    version = HiddenField()
    outcome = TextAreaField(_l("The outcome"), description=_l("The submitter reads this on their page and by email."),
                            validators=[Optional(), Length(max=MAX_TEXT, message=_l(
                                "Keep the outcome to 5,000 characters."))])


class ReplyForm(FlaskForm):
    version = HiddenField()
    body = _text(_l("Your reply"), _l("Write your reply."), _l("Keep the reply to 5,000 characters."),
                 hint=_l("The submitter reads it on their page and by email."))


class NoteForm(FlaskForm):
    version = HiddenField()
    note = _text(_l("Internal note"), _l("Write your note."), _l("Keep the note to 5,000 characters."),
                 hint=_l("Only this desk's officers read it. It is never shown or sent to the submitter."))


class BulkAnswerForm(FlaskForm):
    picks = SelectMultipleField(_l("Submissions"), choices=[], validate_choice=False)
    body = _text(_l("One reply to all the chosen submissions"), _l("Write your reply."),
                 _l("Keep the reply to 5,000 characters."),
                 hint=_l("Each submitter gets it by email, on its own, and reads it on their page."))
    resolve = BooleanField(_l("Also resolve them, with this reply as the outcome"))


class CannedReplyForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("For your colleagues: which reply this is."), validators=[
        DataRequired(_l("Give the reply a short title.")), Length(max=120, message=_l(
            "Keep the title to 120 characters."))])
    body = _text(_l("The reply"), _l("Write the reply."), _l("Keep the reply to 5,000 characters."))


class DeleteForm(FlaskForm):
    """Only the CSRF token."""
