"""Uploads: evidence files and documents, checked by their content, kept in the database."""

import hashlib
import os
from io import BytesIO

from flask import abort, send_file
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from diaspora.core.i18n import _
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
MAX_FILENAME = 200  # StoredFile.filename's column
MAX_EXTENSION = 16


class UploadError(ValueError):
    """The file cannot be kept; the message says why, for the person."""


def sniff_type(data: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def stored_filename(name: str | None) -> str:
    """A safe name of at most MAX_FILENAME characters: a long one loses the end of its stem,
    never its extension (a download of "certificate-....pdf" still opens as a PDF)."""
    cleaned = secure_filename(name or "") or "evidence"
    if len(cleaned) <= MAX_FILENAME:
        return cleaned
    stem, extension = os.path.splitext(cleaned)
    if len(extension) > MAX_EXTENSION:
        stem, extension = cleaned, ""
    return (stem[:MAX_FILENAME - len(extension)].rstrip("._-") or "evidence") + extension


def store_upload(upload: FileStorage, owner) -> StoredFile:
    data = upload.read(MAX_BYTES + 1)
    if not data:
        raise UploadError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UploadError(_("The file is larger than 5 MB."))
    content_type = sniff_type(data)
    if content_type is None:
        raise UploadError(_("The file must be a PDF, PNG or JPEG file of at most 5 MB."))
    stored = StoredFile(
        owner_id=owner.id,
        filename=stored_filename(upload.filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def send_stored(stored: StoredFile | None):
    """A stored file as a download, under its own name and type, never cached; 404 if there is
    none. The type is the one we sniffed at upload, and as an attachment it never renders."""
    if stored is None:
        abort(404)
    return send_file(BytesIO(stored.data), mimetype=stored.content_type, as_attachment=True,
                     download_name=stored.filename, max_age=0)


def keep_document(owner, data: bytes, filename: str, content_type: str = "application/pdf") -> StoredFile:
    """A document a job made for one person (a long PDF), kept as their file: erased with their
    account, downloaded through a kind that lets only them read it (`owned_document`)."""
    stored = StoredFile(owner_id=owner.id, filename=filename, content_type=content_type, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), data=data)
    db.session.add(stored)
    db.session.flush()
    return stored


def owned_document(filename: str):
    """The finder of a kind over the documents named `filename` (`keep_document`)."""
    def find(file_id: int) -> StoredFile | None:
        found = db.session.get(StoredFile, file_id)
        return found if found is not None and found.filename == filename else None

    return find


def only_its_owner(user, action: str, stored: StoredFile) -> bool:
    """The rule of a kind over `keep_document`'s files: its owner, and nobody else."""
    return getattr(user, "is_authenticated", False) and stored.owner_id == user.id
