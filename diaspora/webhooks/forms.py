"""The form that registers a webhook endpoint."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length

from diaspora.contributions.logbook.forms import CheckboxesField
from diaspora.core.i18n import _l
from diaspora.webhooks.events import types_for


class SubscriptionForm(FlaskForm):
    url = StringField(_l("Address to send events to"), description=_l(
        "An https:// address of your system that accepts a POST of JSON: “https://crm.example.org/hooks/dhn”."),
        validators=[DataRequired(_l("Enter the address to send events to.")),
                    Length(max=2000, message=_l("Keep the address to 2000 characters."))])
    description = StringField(_l("Description"), description=_l("What it is, so that you recognise it: “CRM sync”."),
                              validators=[DataRequired(_l("Say what this endpoint is, so that you recognise it: "
                                                          "“CRM sync”.")),
                                          Length(max=100, message=_l("Keep the description to 100 characters."))])
    event_types = CheckboxesField(_l("Events to send"), description=_l("Choose only those your system uses."),
                                  validators=[InputRequired(_l("Choose at least one of the events listed."))])

    def __init__(self, *args, owner: str = "association", **kwargs):
        super().__init__(*args, **kwargs)
        self.event_types.choices = [(event.name, str(event.label)) for event in types_for(owner)]
