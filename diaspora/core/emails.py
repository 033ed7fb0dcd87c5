"""Email addresses: one way to check them and one stored form.

An address is kept in the form our mail can reach: its domain in ASCII (an internationalised
domain, `exämple.org`, becomes its IDNA form `xn--exmple-cua.org`) and in lower case. An
address whose part before the @ is not ASCII (`ọkọ@...`) needs SMTPUTF8, which most mail
servers on the way do not offer: it is refused on the form with a clear message, never
accepted and then lost in the outbox."""

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

from diaspora.core.i18n import _

MAX_LENGTH = 254


class AddressError(ValueError):
    """The address cannot be used; the message says why, for the person."""


def normalise(address: str) -> str:
    """The stored form of a valid address; raises AddressError with a plain reason."""
    text = (address or "").strip()
    if not text:
        raise AddressError(_("Enter an email address."))
    if len(text) > MAX_LENGTH:
        raise AddressError(_("An email address can be at most %(max)d characters.", max=MAX_LENGTH))
    local = text.rpartition("@")[0]
    if local and not local.isascii():
        raise AddressError(_(
            "We can only send mail to addresses with plain Latin letters, digits and . _ - + before "
            "the @. Please use another address."))
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise AddressError(_("Enter an email address in the right format, like name@example.org.")) \
            from error
    return (checked.ascii_email or checked.normalized).lower()


def lookup_form(address: str) -> str:
    """The form to look an address up by: the stored form when it is valid, else the text
    as typed, trimmed and in lower case (which matches nothing)."""
    try:
        return normalise(address)
    except AddressError:
        return (address or "").strip().lower()


class EmailAddress:
    """WTForms validator: the address can be stored and reached. The field keeps what the
    person typed (a form shown again shows it as typed); services store `normalise(...)`."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            normalise(field.data)
        except AddressError as error:
            raise ValidationError(str(error)) from error
