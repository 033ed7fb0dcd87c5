"""Uploads: evidence files and documents, checked by their content, kept in the database."""

import hashlib

from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from diaspora.core.models import StoredFile
from diaspora.extensions import db

MAX_BYTES = 5 * 1024 * 1024
# What the first bytes of a file must be, by the type we accept. The browser's own
# Content-Type is not trusted.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
ACCEPTED_DESCRIPTION = "a PDF, PNG or JPEG file of at most 5 MB"


class UploadError(ValueError):
    """The file cannot be kept; the message says why, for the person."""


def sniff_type(data: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def store_upload(upload: FileStorage, owner) -> StoredFile:
    data = upload.read(MAX_BYTES + 1)
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise UploadError("The file is larger than 5 MB.")
    content_type = sniff_type(data)
    if content_type is None:
        raise UploadError(f"The file must be {ACCEPTED_DESCRIPTION}.")
    stored = StoredFile(
        owner_id=owner.id,
        filename=secure_filename(upload.filename or "") or "evidence",
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    db.session.add(stored)
    db.session.flush()
    return stored
