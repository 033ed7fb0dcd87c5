"""Who may reach the member pages: only a logged-in person, and only their own records."""

from io import BytesIO

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from diaspora.associations.models import Membership
from diaspora.core.files import store_upload
from diaspora.core.time import today
from diaspora.members.models import Availability, Credential
from tests.factories import AssociationFactory, MembershipFactory, UserFactory
from tests.helpers import row_count

PDF = b"%PDF-1.4\n%%EOF\n"

# Every route of the members blueprint (a test below fails when one is added and not listed).
ROUTES = [
    ("GET", "/profile"),
    ("GET", "/profile/edit"),
    ("POST", "/profile/edit"),
    ("GET", "/profile/credentials/new"),
    ("POST", "/profile/credentials/new"),
    ("POST", "/profile/credentials/1/delete"),
    ("GET", "/profile/credentials/1/evidence"),
    ("GET", "/profile/availability/new"),
    ("POST", "/profile/availability/new"),
    ("POST", "/profile/availability/1/delete"),
    ("GET", "/profile/consents"),
    ("POST", "/profile/consents"),
    ("GET", "/memberships"),
    ("GET", "/memberships/1/leave"),
    ("POST", "/memberships/1/leave"),
    ("GET", "/account/export"),
    ("GET", "/account/delete"),
    ("POST", "/account/delete"),
]


def test_every_members_route_is_listed_here(app):
    listed = {(method, path.replace("/1/", "/<id>/")) for method, path in ROUTES}
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("members."):
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<int:{argument}>", "<id>")
            found.update((method, path) for method in rule.methods - {"HEAD", "OPTIONS"})
    assert found == listed


@pytest.fixture
def without_csrf(app):
    """Reach the access check rather than the CSRF check."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_visitors_are_sent_to_log_in(client, without_csrf, method, path):
    response = client.open(path, method=method, data={"password": "x", "title": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.fixture
def someone_elses(db):
    """Another member's credential (with evidence), availability and membership."""
    owner = UserFactory()
    association = AssociationFactory()
    MembershipFactory(association=association, officer=True)
    membership = MembershipFactory(user=owner, association=association)
    stored = store_upload(FileStorage(BytesIO(PDF), filename="theirs.pdf"), owner)
    credential = Credential(user_id=owner.id, title="Theirs", awarding_body="Body", year=2020,
                            evidence_id=stored.id)
    period = Availability(user_id=owner.id, starts_on=today(), ends_on=today(), mode="remote")
    db.session.add_all([credential, period])
    db.session.commit()
    return {"credential": credential.id, "availability": period.id, "membership": membership.id}


OTHERS_RECORDS = [
    ("GET", "/profile/credentials/{credential}/evidence"),
    ("POST", "/profile/credentials/{credential}/delete"),
    ("POST", "/profile/availability/{availability}/delete"),
    ("GET", "/memberships/{membership}/leave"),
    ("POST", "/memberships/{membership}/leave"),
]


@pytest.mark.parametrize("viewer", ["member", "officer of the same association", "platform admin"])
@pytest.mark.parametrize(("method", "template"), OTHERS_RECORDS)
def test_another_members_records_are_not_found(client, forms, login, db, someone_elses, viewer, method,
                                               template):
    if viewer == "member":
        user = UserFactory()
    elif viewer == "platform admin":
        user = UserFactory(admin=True)
    else:
        membership = db.session.get(Membership, someone_elses["membership"])
        user = db.session.scalars(
            sa.select(Membership).where(Membership.association_id == membership.association_id,
                                        Membership.role == Membership.OFFICER)
        ).one().user
    login(user)
    path = template.format(**someone_elses)
    response = client.get(path) if method == "GET" else forms.submit("/profile", {}, action=path)
    assert response.status_code == 404
    assert PDF not in response.data
    db.session.expire_all()
    assert row_count(Credential) == 1 and row_count(Availability) == 1
    assert db.session.get(Membership, someone_elses["membership"]).status == Membership.ACTIVE


@pytest.mark.parametrize("path", ["/profile/credentials/999/evidence", "/memberships/999/leave"])
def test_records_that_do_not_exist_are_not_found(client, login, path):
    login(UserFactory())
    assert client.get(path).status_code == 404
