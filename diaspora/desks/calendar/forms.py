"""The forms of a desk's calendar page: a day to add, a listed holiday to take off, a change to
undo. Each says where it comes from (the instrument, the gazette notice): the source is
required, and shown beside the day for whoever reads the calendar later."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from diaspora.core.i18n import _l
from diaspora.desks.calendar.calendars import MAX_NAME, MAX_NOTE
from diaspora.members.forms import PlainDateField


def _day(label):
    return PlainDateField(label, description=_l("Year, month and day, like 2027-01-08."),
                          validators=[InputRequired(_l("Enter the date, like 2027-01-08."))])


def _source(hint):
    return TextAreaField(_l("Source"), description=hint, validators=[
        DataRequired(_l("Say where this comes from: the instrument, the gazette notice or the announcement.")),
        Length(max=MAX_NOTE, message=_l("Keep the source to 500 characters."))])


class AddDayForm(FlaskForm):
    day = _day(_l("The day off"))
    name = StringField(_l("Name of the holiday"), description=_l(
        "As the declaration names it, for example: Public Holiday (Constitution Day)."), validators=[
        DataRequired(_l("Enter the holiday's name.")),
        Length(max=MAX_NAME, message=_l("Keep the name to 120 characters."))])
    note = _source(_l("The executive instrument, gazette notice or announcement that declares it, for example: "
                      "Executive Instrument 2 of 2027, Ministry of the Interior."))


class RemoveDayForm(FlaskForm):
    day = _day(_l("The listed holiday that is a working day"))
    note = _source(_l("The instrument or notice that moved it, or that says it was not declared."))


class UndoForm(FlaskForm):
    day = HiddenField()
