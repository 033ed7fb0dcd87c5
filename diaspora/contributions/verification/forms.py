"""The officers' verification queue's form."""

from flask_wtf import FlaskForm

from diaspora.core.forms import IdsField
from diaspora.core.i18n import _l


class BulkVerifyForm(FlaskForm):
    ids = IdsField(_l("Contributions"), not_an_id=_l("Tick contributions from the list."))
