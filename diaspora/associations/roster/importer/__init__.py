"""Importing members from a CSV file: upload, a dry run, then the invitations, in three
modules (reading.py, checking.py, applying.py); this package names what the rest uses.

1. `upload` reads the file (UTF-8 with or without a byte-order mark, comma or semicolon
   separated), refuses one with the wrong columns or no rows, and keeps it as a MemberImport.
2. `plan` is the dry run: it checks every row and says what would happen to it. It looks up
   memberships and pending invitations for all the rows with a few `IN` queries, never one per
   row. Every valid address gets the same words ("will be invited"), so the preview tells the
   officer nothing about who has an account.
3. `confirm` checks the rows again and invites every valid one, in bulk, in the caller's
   transaction. Nobody becomes a member until they accept their invitation; what the file says
   about them (cadre, specialty, heritage countries) starts their profile if they have none.
   Importing the same file twice invites nobody twice (pending invitations are skipped).
   Afterwards the file's text is emptied; only the rows that could not be imported are kept,
   with their reasons, so the officer can fix them.
"""

from diaspora.associations.roster.importer.applying import ImportResult, confirm
from diaspora.associations.roster.importer.checking import (
    PREVIEW_ERROR_ROWS,
    PREVIEW_ROWS,
    Plan,
    find_cadre,
    find_country,
    normalise_address,
    plan,
)
from diaspora.associations.roster.importer.reading import (
    COUNTRY_SEPARATOR,
    INVITE,
    MAX_BYTES,
    AlreadyImported,
    ImportFileError,
    NothingToImport,
    Row,
    active_membership_types,
    default_membership_type,
    parse,
    template_csv,
    upload,
)

__all__ = [
    "COUNTRY_SEPARATOR", "INVITE", "MAX_BYTES", "PREVIEW_ERROR_ROWS", "PREVIEW_ROWS", "AlreadyImported",
    "ImportFileError", "ImportResult", "NothingToImport", "Plan", "Row", "active_membership_types", "confirm",
    "default_membership_type", "find_cadre", "find_country", "normalise_address", "parse", "plan", "template_csv",
    "upload",
]
