
from tests.factories import AssociationFactory, DeskOfficerFactory, MembershipFactory, UserFactory
from tests.helpers import stats_on


def test_a_member_sees_their_memberships_and_no_other_panel(client, login):
    membership = MembershipFactory(association__name="Zimbabwe Health Workers UK")
    login(membership.user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Zimbabwe Health Workers UK" in page
    assert "you are an officer" not in page
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
    assert "Nigerian Nurses Ireland: you are an officer" in page
    tiles = stats_on(page)
    assert tiles["active members"] == "4"  # three members and the officer
    assert tiles["applications to review"] == "2"
    assert "Kenyan Doctors USA" not in page


def test_a_desk_officer_who_is_no_member_is_sent_to_their_desk(client, login):
    assignment = DeskOfficerFactory(desk__country="GH", desk__name="Diaspora Affairs Desk")
    login(assignment.user)
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == f"/desks/{assignment.desk_id}/queue"


def test_an_admin_sees_platform_counts_in_the_admin_home(client, login):
    AssociationFactory.create_batch(2, status="pending")
    login(UserFactory(admin=True))
    assert client.get("/dashboard").headers["Location"] == "/admin"
    page = client.get("/admin").get_data(as_text=True)
    assert stats_on(page)["associations waiting for approval"] == "2"


def test_the_dashboard_runs_the_same_statements_for_one_or_six_associations(client, login, count_queries):
    user = UserFactory(admin=True)
    login(user)
    counts = []
    for associations in (1, 5):
        for _ in range(associations):
            MembershipFactory(user=user, officer=True)
            DeskOfficerFactory(user=user)
        with count_queries() as counter:
            assert client.get("/dashboard").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
