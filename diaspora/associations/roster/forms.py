from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import SearchField
from wtforms.validators import Length

from diaspora.associations.models import MEMBERSHIP_STATES
from diaspora.associations.roster.directory import DEFAULT_SORT, SORTS
from diaspora.associations.roster.importer import MAX_BYTES
from diaspora.core.forms import CountryField, Select
from diaspora.core.i18n import _l
from diaspora.members.models import CADRES


class DirectorySearchForm(FlaskForm):
    """The directory's filters, sent with GET (so no CSRF token: it changes nothing).
    Officers also get `status`; the view removes it for everyone else."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name, specialty or skill"), validators=[
        Length(max=100, message=_l("Search for at most 100 characters.")),
    ])
    cadre = Select(_l("Cadre"), choices=lambda: [("", _l("Any cadre")), *CADRES.items()], default="")
    heritage = CountryField(_l("Heritage country"), blank=_l("Any country"))
    status = Select(_l("Membership status"), default="",
                         choices=lambda: [("", _l("Any status")), *MEMBERSHIP_STATES.labels.items()])
    sort = Select(_l("Sort by"), choices=lambda: list(SORTS.items()), default=DEFAULT_SORT)

    def filters(self) -> dict:
        """The filter values that are valid and set, for the query and the pager's links."""
        values = {}
        for name in ("q", "cadre", "heritage", "status", "sort"):
            field = self._fields.get(name)
            if field is not None and field.data and not field.errors:
                values[name] = field.data.strip() if name == "q" else field.data
        return values


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l("A CSV file of at most 2 MB, saved as UTF-8, with the template's columns."),
        validators=[
            FileRequired(_l("Choose the CSV file to upload.")),
            FileAllowed(["csv", "txt"], _l("Choose a CSV file (its name ends in .csv). In your spreadsheet, "
                                           "use Save as, then choose “CSV UTF-8”.")),
            FileSize(MAX_BYTES, message=_l("The file is larger than 2 MB. Split it into smaller files.")),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
