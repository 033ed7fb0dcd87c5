"""The one error a rule raises, and the one version check.

A service that refuses a change raises `DomainError(message, field=...)`: the message is for
the person, `field` (if any) names the form field it belongs beside. A form page puts it
there with `core.forms.put_beside_field`; anything without a field goes to the top of the form.

Records people edit in forms carry a `version` column. The form sends back the version it
was shown; `check_version` refuses the save when someone saved the record since, and the
page shows the saved values beside what the person typed (`templates/macros/forms.html:
version_conflict`)."""

from typing import Any

VERSION_FIELD = "version"


class DomainError(Exception):
    """A rule stopped the change. Nothing the service flushed is kept: the request answers
    with an error status, which rolls the transaction back."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class VersionConflict(DomainError):
    """The record was saved by someone else (or in another tab) after the form was shown."""

    def __init__(self, message: str | None = None):
        from diaspora.core.i18n import _

        super().__init__(message or _(
            "Someone else saved a change to this while you were editing it, so your changes were "
            "not saved. What is saved now is shown beside the form; what you typed is still in "
            "the form. Check it, then save again to keep your version."), field=VERSION_FIELD)


def check_version(record: Any, submitted: Any) -> None:
    """Refuse the save unless `submitted` is the record's current version. A record not yet
    saved has version 0."""
    current = getattr(record, "version", None) if record is not None else None
    if str(current or 0) != str(submitted or 0).strip():
        raise VersionConflict()
