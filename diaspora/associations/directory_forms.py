from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import SearchField, SelectField
from wtforms.validators import Length

from diaspora.associations.directory import DEFAULT_SORT, SORTS
from diaspora.associations.importer import MAX_BYTES
from diaspora.associations.models import Membership
from diaspora.core.forms import CountryField
from diaspora.members.models import CADRES

STATUS_LABELS = {
    Membership.ACTIVE: "Active",
    Membership.APPLIED: "Applied, waiting for a decision",
    Membership.LAPSED: "Lapsed",
    Membership.SUSPENDED: "Suspended",
    Membership.LEFT: "Left",
    Membership.REJECTED: "Application rejected",
}


class DirectorySearchForm(FlaskForm):
    """The directory's filters, sent with GET (so no CSRF token: it changes nothing).
    Officers also get `status`; the view removes it for everyone else."""

    class Meta:
        csrf = False

    q = SearchField("Name, specialty or skill", validators=[
        Length(max=100, message="Search for at most 100 characters."),
    ])
    cadre = SelectField("Cadre", choices=[("", "Any cadre"), *CADRES.items()], default="")
    heritage = CountryField("Heritage country", blank="Any country")
    status = SelectField("Membership status", choices=[("", "Any status"), *STATUS_LABELS.items()],
                         default="")
    sort = SelectField("Sort by", choices=list(SORTS.items()), default=DEFAULT_SORT)

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
        "CSV file",
        description="A CSV file of at most 2 MB, saved as UTF-8, with the template's columns.",
        validators=[
            FileRequired("Choose the CSV file to upload."),
            FileAllowed(["csv", "txt"], "Choose a CSV file (its name ends in .csv). In your "
                                        "spreadsheet, use Save as, then choose \u201cCSV UTF-8\u201d."),
            FileSize(MAX_BYTES, message="The file is larger than 2 MB. Split it into smaller files."),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
