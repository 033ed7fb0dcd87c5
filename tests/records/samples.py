"""Samples of the records' kinds for the access matrix (tests/test_access_matrix.py)."""

from diaspora.extensions import db
from tests.samples import OFFICER, Tenant, insiders, kind_sample

PDF = b"%PDF-1.4\n% an annual report laid out by a job\n"

# A long annual report's PDF, laid out by a job, is the officer's who asked for it alone: the
# association's other officers ask for their own.
insiders("report_file", "view", OFFICER)


@kind_sample("report_file")
def report_file(tenant: Tenant) -> dict:
    from diaspora.core.models import StoredFile
    from diaspora.records.reports import REPORT_FILENAME

    stored = StoredFile(owner_id=tenant.officer.id, filename=REPORT_FILENAME, content_type="application/pdf",
                        size=len(PDF), sha256="0" * 64, data=PDF + tenant.secret("report").encode())
    db.session.add(stored)
    db.session.flush()
    return {"file_id": stored.id}
