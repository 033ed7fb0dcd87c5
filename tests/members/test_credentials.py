"""Qualifications and responsibilities, with evidence that only their owner can download."""

import re
from io import BytesIO

import pytest
import sqlalchemy as sa

from diaspora.core.models import StoredFile
from diaspora.core.time import today
from diaspora.members.models import Credential
from tests.factories import UserFactory
from tests.helpers import audit_actions, row_count

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
GOOD = {"kind": "qualification", "title": "MSc Advanced Nursing Practice",
        "awarding_body": "University of Leeds", "year": "2019"}


def add(forms, data, evidence: tuple[bytes, str] | None = None):
    payload = dict(data)
    if evidence is not None:
        payload["evidence"] = (BytesIO(evidence[0]), evidence[1])
    return forms.submit("/profile/credentials/new", payload, content_type="multipart/form-data")


def test_the_form_can_carry_a_file(client, login):
    login(UserFactory())
    page = client.get("/profile/credentials/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page


def test_a_credential_with_evidence_is_shown_and_its_owner_downloads_it(client, forms, login, db):
    user = UserFactory()
    login(user)
    response = add(forms, GOOD, (PDF, "my certificate.pdf"))
    assert response.status_code == 302, response.get_data(as_text=True)

    page = client.get("/profile").get_data(as_text=True)
    assert "MSc Advanced Nursing Practice" in page and "University of Leeds" in page and "2019" in page
    credential = db.session.scalars(sa.select(Credential)).one()
    link = f"/profile/credentials/{credential.id}/evidence"
    assert f'href="{link}"' in page

    download = client.get(link)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "my_certificate.pdf" in download.headers["Content-Disposition"]
    assert audit_actions(credential) == ["credential.added"]


def test_a_file_of_the_wrong_type_is_refused_beside_the_field_and_nothing_is_kept(forms, login):
    login(UserFactory())
    response = add(forms, GOOD, (b"MZ\x90\x00 not a document", "cv.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="evidence-error">.*The file must be a PDF, PNG or JPEG file', page, re.S)
    assert 'value="MSc Advanced Nursing Practice"' in page  # the rest is kept
    assert row_count(Credential) == 0 and row_count(StoredFile) == 0


def test_a_credential_without_evidence_is_fine_and_has_nothing_to_download(client, forms, login, db):
    login(UserFactory())
    assert add(forms, GOOD).status_code == 302
    credential = db.session.scalars(sa.select(Credential)).one()
    assert credential.evidence_id is None
    assert client.get(f"/profile/credentials/{credential.id}/evidence").status_code == 404


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"title": ""}, "title", "Enter the title."),
    ({"title": "t" * 201}, "title", "Keep the title to 200 characters."),
    ({"awarding_body": ""}, "awarding_body", "Enter who awarded it or where you held it."),
    ({"year": ""}, "year", "Enter the year, like 2019."),
    ({"year": "last year"}, "year", "Enter the year as four digits, like 2019."),
    ({"year": "1949"}, "year", "Enter a year from 1950 to"),
    ({"year": str(today().year + 1)}, "year", "Enter a year from 1950 to"),
    ({"kind": "medal"}, "kind", "Not a valid choice."),
])
def test_each_wrong_field_is_explained_beside_it(forms, login, changes, field, message):
    login(UserFactory())
    response = add(forms, {**GOOD, "awarding_body": "Kept body", **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    if field != "awarding_body":
        assert 'value="Kept body"' in page
    assert row_count(Credential) == 0


def test_deleting_a_credential_deletes_its_evidence(client, forms, login, db):
    user = UserFactory()
    login(user)
    add(forms, GOOD, (PDF, "certificate.pdf"))
    credential = db.session.scalars(sa.select(Credential)).one()
    response = forms.submit("/profile", {}, action=f"/profile/credentials/{credential.id}/delete")
    assert response.status_code == 302
    assert row_count(Credential) == 0 and row_count(StoredFile) == 0
    assert audit_actions(credential) == ["credential.added", "credential.deleted"]
    page = client.get("/profile").get_data(as_text=True)
    assert "“MSc Advanced Nursing Practice” has been removed from your profile." in page
    assert '<td data-label="What">MSc Advanced Nursing Practice' not in page


def test_another_members_evidence_is_not_found(client, forms, login, logged_in_client, db):
    login(UserFactory())
    add(forms, GOOD, (PDF, "certificate.pdf"))
    credential = db.session.scalars(sa.select(Credential)).one()

    stranger = logged_in_client(UserFactory())
    response = stranger.get(f"/profile/credentials/{credential.id}/evidence")
    assert response.status_code == 404
    assert PDF not in response.data
