"""The form that makes an access token (personal or service)."""

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from diaspora.api.models import ALL_SCOPES, LEVELS, SCOPE_DOMAINS
from diaspora.contributions.logbook.forms import CheckboxesField
from diaspora.core.i18n import _, _l
from diaspora.core.time import today

DEFAULT_DAYS = 90


def scope_label(scope: str) -> str:
    domain, _sep, level = scope.partition(":")
    return _("%(what)s: %(level)s", what=SCOPE_DOMAINS[domain], level=LEVELS[level])


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("What it is for, so that you recognise it: “CRM sync”."),
                       validators=[DataRequired(_l("Give the token a name that says what it is for.")),
                                   Length(max=100, message=_l("Keep the name to 100 characters."))])
    scopes = CheckboxesField(_l("What it may do"), description=_l(
        "Give it only what it needs. Read and write includes read."))
    expires_on = DateField(_l("Expires on"), description=_l("At most a year from today. It works until that day ends."),
                           validators=[Optional()])

    def __init__(self, *args, scopes: tuple[str, ...] = ALL_SCOPES, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [(scope, scope_label(scope)) for scope in scopes]
        if self.expires_on.data is None and not self.is_submitted():
            self.expires_on.data = today() + timedelta(days=DEFAULT_DAYS)
