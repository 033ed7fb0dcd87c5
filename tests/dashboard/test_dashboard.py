import pytest

from tests.factories import AssociationFactory, DeskOfficerFactory, MembershipFactory, UserFactory


def test_a_member_sees_their_memberships_and_no_other_panel(client, login):
    membership = MembershipFactory(association__name="Zimbabwe Health Workers UK")
    login(membership.user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Zimbabwe Health Workers UK" in page
    assert "Associations you run" not in page
    assert "Platform administration" not in page
    assert "Your diaspora desks" not in page


def test_an_officer_sees_counts_for_their_association_only(client, login):
    mine = AssociationFactory(name="Nigerian Nurses Ireland")
    theirs = AssociationFactory(name="Kenyan Doctors USA")
    officer = MembershipFactory(association=mine, officer=True).user
    MembershipFactory.create_batch(3, association=mine)
    MembershipFactory.create_batch(2, association=mine, status="applied")
    MembershipFactory.create_batch(7, association=theirs)
    login(officer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Associations you run" in page
    assert "<strong>4</strong> active members" in page  # three members and the officer
    assert "<strong>2</strong> applications to review" in page
    assert "Kenyan Doctors USA" not in page


def test_a_desk_officer_sees_their_desk(client, login):
    assignment = DeskOfficerFactory(desk__country="GH", desk__name="Diaspora Affairs Desk")
    login(assignment.user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Diaspora Affairs Desk" in page and "Ghana" in page


def test_an_admin_sees_platform_counts(client, login):
    AssociationFactory.create_batch(2, status="pending")
    login(UserFactory(admin=True))
    page = client.get("/dashboard").get_data(as_text=True)
    assert "<strong>2</strong> associations waiting for approval" in page


@pytest.mark.parametrize("associations", [1, 6])
def test_the_dashboard_runs_a_bounded_number_of_queries(client, login, count_queries, associations):
    user = UserFactory(admin=True)
    for _ in range(associations):
        MembershipFactory(user=user, officer=True)
        DeskOfficerFactory(user=user)
    login(user)
    with count_queries() as counter:
        assert client.get("/dashboard").status_code == 200
    assert counter.count <= 8, counter.statements
