"""Reading a member list: its columns, its text (UTF-8, comma or semicolon), its rows, the
upload kept for the dry run, and the template officers start from."""

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.utils import secure_filename

from diaspora.associations.models import Association, MemberImport, MembershipType
from diaspora.auth.models import User
from diaspora.core import audit
from diaspora.core.domain import DomainError
from diaspora.core.i18n import _, _l, ngettext
from diaspora.extensions import db

COLUMNS = ("email", "name", "cadre", "specialty", "heritage_countries", "membership_type")
REQUIRED_COLUMNS = ("email", "name")
COUNTRY_SEPARATOR = "|"
MAX_BYTES = 2 * 1024 * 1024


INVITE, ALREADY_MEMBER, ALREADY_INVITED = "invite", "already_member", "already_invited"
OUTCOMES = {
    INVITE: _l("Will be invited"),
    ALREADY_MEMBER: _l("Already a member: skipped"),
    ALREADY_INVITED: _l("Already invited: skipped"),
}


TEMPLATE_EXAMPLE = {
    "email": "ama.owusu@example.org",
    "name": "Ama Owusu",
    "cadre": "nurse",
    "specialty": "Critical care",
    "heritage_countries": "GH|NG",
}



class ImportFileError(DomainError):
    """The file cannot be imported at all; the message says why, for the person."""

    def __init__(self, message: str, field: str | None = "file"):
        super().__init__(message, field)


class NothingToImport(ImportFileError):
    """No row of the file can be imported."""


class AlreadyImported(ImportFileError):
    """This upload has been imported already."""



@dataclass
class Row:
    """One data row of the file, what is wrong with it and what importing it would do."""

    number: int  # as a spreadsheet numbers it: the header is row 1
    email: str
    name: str
    cadre: str = ""
    specialty: str = ""
    heritage_countries: str = ""
    membership_type: str = ""
    extra_cells: bool = False
    errors: list[str] = field(default_factory=list)
    outcome: str | None = None
    # Filled in by the checks:
    normalized_email: str | None = None
    cadre_key: str | None = None
    countries: list[str] = field(default_factory=list)
    type_id: int | None = None

    @property
    def will_import(self) -> bool:
        return not self.errors and self.outcome == INVITE

    @property
    def description(self) -> str:
        return str(OUTCOMES.get(self.outcome, ""))

    def profile_hint(self) -> dict | None:
        hint = {"cadre": self.cadre_key, "specialty": self.specialty or None,
                "heritage_countries": self.countries}
        return hint if any(hint.values()) else None



def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files."))
    if b"\x00" in data:
        raise ImportFileError(_("This is not a CSV file. In your spreadsheet, use Save as, then choose "
                                "“CSV UTF-8”."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The file is not saved as UTF-8. In your spreadsheet, use Save as, then "
                                "choose “CSV UTF-8”.")) from error


def separator(text: str) -> str:
    """Comma or semicolon (spreadsheets in many countries use semicolons), by the header line."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def normalise_column(name: str) -> str:
    return "_".join(name.strip().strip("\ufeff").lower().replace("-", " ").split())


def parse(text: str) -> list[Row]:
    """The rows of the file. Raises ImportFileError when the columns are wrong or there
    is no data row."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=separator(text))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty. Start from the template: its first row names "
                                    "the columns."))
        columns = [normalise_column(name) for name in header]
        _check_columns(columns)
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, or rows of empty cells a spreadsheet left behind
            values = dict(zip(columns, (cell.strip() for cell in cells), strict=False))
            extra = any(cell.strip() for cell in cells[len(columns):])
            rows.append(Row(
                number=reader.line_num,
                email=values.get("email", ""),
                name=values.get("name", ""),
                cadre=values.get("cadre", ""),
                specialty=values.get("specialty", ""),
                heritage_countries=values.get("heritage_countries", ""),
                membership_type=values.get("membership_type", ""),
                extra_cells=extra,
            ))
    except csv.Error as error:
        raise ImportFileError(_("The file cannot be read as CSV (%(error)s).", error=error)) from error
    if not rows:
        raise ImportFileError(_("The file has no members in it: add one row per member under the row "
                                "of column names."))
    return rows


def _check_columns(columns: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name or _("(empty)") for name in columns if name not in COLUMNS]
    doubled = sorted({name for name in columns if name and columns.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("it has no %(columns)s column", columns=" / ".join(missing)))
    if unknown:
        problems.append(ngettext("we don't know the column %(columns)s", "we don't know the columns "
                                 "%(columns)s", len(unknown), columns=", ".join(unknown)))
    if doubled:
        problems.append(ngettext("the column %(columns)s appears twice", "the columns %(columns)s "
                                 "appear twice", len(doubled), columns=", ".join(doubled)))
    if problems:
        raise ImportFileError(_(
            "The first row of the file must name the columns, but %(problems)s. Use the columns of the "
            "template: %(expected)s (email and name are required).",
            problems="; ".join(problems), expected=", ".join(COLUMNS)))


def upload(association: Association, uploader: User, filename: str | None, data: bytes) -> MemberImport:
    """Keep an uploaded file for its dry run, after checking it can be read at all."""
    text = decode(data)
    parse(text)
    member_import = MemberImport(
        association_id=association.id,
        uploaded_by_id=uploader.id,
        filename=(secure_filename(filename or "") or "members.csv")[:200],
        content=text,
    )
    db.session.add(member_import)
    db.session.flush()
    audit.record("members.import_uploaded", member_import, actor=uploader,
                 changes={"filename": member_import.filename})
    return member_import


def template_csv(association: Association) -> str:
    """The template's text: the header row and one example row."""
    first_type = default_membership_type(association)
    example = {**TEMPLATE_EXAMPLE, "membership_type": first_type.name if first_type else ""}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([example[name] for name in COLUMNS])
    return buffer.getvalue()



def active_membership_types(association: Association) -> list[MembershipType]:
    return list(db.session.scalars(
        sa.select(MembershipType)
        .where(MembershipType.association_id == association.id, MembershipType.active.is_(True))
        .order_by(MembershipType.name)
    ))


def default_membership_type(association: Association) -> MembershipType | None:
    """The type a row without one gets: the association's first active type, by name."""
    return next(iter(active_membership_types(association)), None)
