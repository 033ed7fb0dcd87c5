"""MoUs: a desk's officers record them with an approved association (scope, dates, status, the
signed document), list and change them; the association's officers see theirs and download the
document; nobody else sees them."""

import io
import re

import pytest
import sqlalchemy as sa

from diaspora.desks.models import DeskOfficer, Mou
from diaspora.extensions import db
from tests.factories import AssociationFactory, DeskFactory, MembershipFactory, UserFactory
from tests.helpers import audit_actions

PDF = b"%PDF-1.4\n% the signed memorandum\n"


def version_on(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


@pytest.fixture
def w(db):
    desk = DeskFactory(country="GH", name="Ghana Diaspora Desk", ministry="Ministry of Health")
    desk_officer = UserFactory(name="Akua Desk")
    db.session.add(DeskOfficer(desk_id=desk.id, user_id=desk_officer.id))
    nurses = AssociationFactory(name="Ghana Nurses UK", slug="ghana-nurses-uk")
    doctors = AssociationFactory(name="Ghana Doctors Ireland", slug="ghana-doctors-ie")
    pending = AssociationFactory(name="Not Yet Approved", slug="not-yet", status="pending")
    nurses_officer = MembershipFactory(association=nurses, officer=True).user
    doctors_officer = MembershipFactory(association=doctors, officer=True).user
    nurses_member = MembershipFactory(association=nurses).user
    db.session.commit()
    return type("World", (), dict(desk=desk, desk_officer=desk_officer, nurses=nurses, doctors=doctors,
                                  pending=pending, nurses_officer=nurses_officer, doctors_officer=doctors_officer,
                                  nurses_member=nurses_member))


def record(forms, w, association, scope: str, **more):
    data = {"association_id": str(association.id), "scope": scope, "status": "signed", "signed_on": "2026-01-15",
            "review_on": "2027-01-15", **more}
    return forms.submit(f"/desks/{w.desk.id}/mous/new", data, content_type="multipart/form-data")


def test_a_desk_officer_records_an_mou_with_its_document_and_changes_it(client, forms, login, w):
    login(w.desk_officer)
    new_page = client.get(f"/desks/{w.desk.id}/mous/new").get_data(as_text=True)
    assert "Ghana Nurses UK" in new_page and "Not Yet Approved" not in new_page  # approved ones only
    made = record(forms, w, w.nurses, "Nurse mentoring in the Northern Region",
                  document=(io.BytesIO(PDF), "signed.pdf"))
    assert made.status_code == 302, made.get_data(as_text=True)
    mou = db.session.scalars(sa.select(Mou)).one()
    assert (mou.association_id, mou.status, mou.document.data) == (w.nurses.id, "signed", PDF)
    listed = client.get(f"/desks/{w.desk.id}/mous").get_data(as_text=True)
    assert "Ghana Nurses UK" in listed and f"/mous/{mou.id}/document" in listed
    download = client.get(f"/mous/{mou.id}/document")
    assert download.status_code == 200 and download.data == PDF

    edit = f"/mous/{mou.id}/edit"
    shown = client.get(edit).get_data(as_text=True)
    assert "Nurse mentoring in the Northern Region" in shown
    changed = forms.submit(edit, {"association_id": str(w.nurses.id), "scope": "Nurse mentoring, all regions",
                                  "status": "ended", "signed_on": "2026-01-15", "review_on": "",
                                  "version": version_on(shown)}, content_type="multipart/form-data")
    assert changed.status_code == 302
    db.session.expire_all()
    mou = db.session.get(Mou, mou.id)
    assert (mou.scope, mou.status, mou.review_on) == ("Nurse mentoring, all regions", "ended", None)
    assert mou.document.data == PDF  # no new file: the document stays
    stale = forms.submit(edit, {"association_id": str(w.nurses.id), "scope": "Typed over a stale page",
                                "status": "signed", "signed_on": "2026-01-15", "version": version_on(shown)},
                         content_type="multipart/form-data")
    assert stale.status_code == 422 and "Someone saved a change first" in stale.get_data(as_text=True)
    assert audit_actions(mou) == ["mou.created", "mou.changed"]


def test_a_signed_mou_needs_its_date_and_a_pending_association_is_refused(forms, login, w):
    login(w.desk_officer)
    undated = record(forms, w, w.nurses, "Scope", signed_on="")
    assert undated.status_code == 422 and 'id="signed_on-error"' in undated.get_data(as_text=True)
    pending = record(forms, w, w.pending, "Scope")
    assert pending.status_code == 422 and 'id="association_id-error"' in pending.get_data(as_text=True)
    not_a_pdf = record(forms, w, w.nurses, "Scope", document=(io.BytesIO(b"MZ not a document"), "mou.exe"))
    assert not_a_pdf.status_code == 422 and 'id="document-error"' in not_a_pdf.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mou)) == 0


def test_an_association_officer_sees_their_mou_and_not_another_associations(app, client, forms, login, w):
    login(w.desk_officer)
    record(forms, w, w.nurses, "Nurse mentoring in the Northern Region", document=(io.BytesIO(PDF), "n.pdf"))
    record(forms, w, w.doctors, "Locum cover for district hospitals", document=(io.BytesIO(PDF), "d.pdf"))
    nurses_mou, doctors_mou = db.session.scalars(sa.select(Mou).order_by(Mou.id)).all()

    officer = app.test_client()
    from tests.conftest import log_in_session

    log_in_session(officer, w.nurses_officer)
    page = officer.get("/associations/ghana-nurses-uk/mous").get_data(as_text=True)
    assert "Nurse mentoring in the Northern Region" in page and "Ghana Diaspora Desk" in page
    assert "Locum cover for district hospitals" not in page
    assert officer.get(f"/mous/{nurses_mou.id}/document").data == PDF
    assert officer.get(f"/mous/{doctors_mou.id}/document").status_code == 404
    assert officer.get("/associations/ghana-doctors-ie/mous").status_code == 403
    assert officer.get(f"/mous/{nurses_mou.id}/edit").status_code == 403  # the desk keeps it

    member = app.test_client()
    log_in_session(member, w.nurses_member)
    assert member.get("/associations/ghana-nurses-uk/mous").status_code == 403
    assert member.get(f"/mous/{nurses_mou.id}/document").status_code == 404
