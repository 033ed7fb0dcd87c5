import re
from datetime import timedelta

import sqlalchemy as sa

from diaspora.associations.invitations import INVITATION_DAYS
from diaspora.core.time import today, utcnow
from diaspora.dashboard import services
from diaspora.extensions import db
from tests.factories import AssociationFactory, DeskOfficerFactory, InvitationFactory, MembershipFactory, UserFactory
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
    assert "<bdi>Nigerian Nurses Ireland</bdi>: you are an officer" in page
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


# ---------------------------------------------------------------------------- what waits for the member

def _waiting(page: str) -> str:
    return page.split('id="needs-you"')[1].split("</section>")[0] if 'id="needs-you"' in page else ""


def test_an_invitation_to_join_waits_on_the_dashboard_and_its_link_answers_it(client, login):
    user = UserFactory(email="abena@example.org")
    association = AssociationFactory(name="Ghana Nurses UK")
    InvitationFactory(association=association, email=user.email)
    # not these: another address, answered or revoked ones, an expired one, a suspended association's
    InvitationFactory(association=AssociationFactory(name="Someone Else's Association"), email="kofi@example.org")
    for stopped in ("accepted_at", "declined_at", "revoked_at"):
        InvitationFactory(association=AssociationFactory(name=f"Stopped {stopped}"), email=user.email,
                          **{stopped: utcnow()})
    InvitationFactory(association=AssociationFactory(name="Long Ago Association"), email=user.email,
                      created_at=utcnow() - timedelta(days=INVITATION_DAYS + 1))
    InvitationFactory(association=AssociationFactory(name="Suspended Association", status="suspended"),
                      email=user.email)
    login(user)
    waiting = _waiting(client.get("/dashboard").get_data(as_text=True))
    assert "<bdi>Ghana Nurses UK</bdi> invites you to join: accept or decline the invitation." in waiting
    for absent in ("Someone Else", "Stopped", "Long Ago", "Suspended"):
        assert absent not in waiting
    link = re.search(r'<a href="(/invitations/[^"]+)"><bdi>Ghana Nurses UK', waiting).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Ghana Nurses UK" in page.get_data(as_text=True)


def test_the_dashboard_runs_the_same_statements_for_no_or_five_invitations(client, login, count_queries):
    user = UserFactory()
    login(user)
    counts = []
    for invitations in (0, 5):
        for _ in range(invitations):
            InvitationFactory(email=user.email)
        with count_queries() as counter:
            page = client.get("/dashboard").get_data(as_text=True)
        assert _waiting(page).count("invites you to join") == invitations
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_the_invitations_waiting_for_someone_are_read_along_the_email_index(app, is_postgres):
    """One statement, that finds the person's invitations by their address (ix_invitations_email),
    not by walking every association's."""
    user = UserFactory()
    InvitationFactory.create_batch(3, email=user.email)
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with app.test_request_context():
            found = services.pending_invitations(user, 5)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    statements = [(statement, parameters) for statement, parameters in statements if "invitations" in statement]
    assert len(found) == 3 and len(statements) == 1
    statement, parameters = statements[0]
    with db.engine.connect() as connection:
        if is_postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: would the index serve?
            plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
        else:
            plan = "\n".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                            parameters))
    assert "ix_invitations_email" in plan, plan


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: everything after it, to the end of its paragraph, reads backwards


def test_names_and_titles_typed_by_people_are_isolated_in_the_dashboards_sentences(client, login):
    """A right-to-left override in a title or a name stays inside its <bdi>: the sentence around
    it reads the right way; and the text is escaped, the sentence is not doubly escaped."""
    from diaspora.contributions.models import Contribution, ContributionStatus

    user = UserFactory(name=f"Ama {RLO}<Mensah>")
    association = AssociationFactory(name=f"{RLO}Nurses & <b>Midwives</b>")
    MembershipFactory(user=user, association=association, officer=True)
    InvitationFactory(association=AssociationFactory(name=f"Evil {RLO}Association"), email=user.email)
    db.session.add(Contribution(user_id=user.id, kind="training", title=f"Triage {RLO}course", country="GH",
                                status=ContributionStatus.RETURNED, starts_on=today()))
    db.session.commit()
    login(user)
    page = client.get("/dashboard").get_data(as_text=True)
    waiting = _waiting(page)
    assert f"“<bdi>Triage {RLO}course</bdi>” came back to you: read why, change it and send it again." in waiting
    assert f"<bdi>Evil {RLO}Association</bdi> invites you to join: accept or decline the invitation." in waiting
    assert f"<h1>Welcome, <bdi>Ama {RLO}&lt;Mensah&gt;</bdi></h1>" in page
    named = f"<bdi>{RLO}Nurses &amp; &lt;b&gt;Midwives&lt;/b&gt;</bdi>"
    assert f"{named}: you are an officer</h2>" in page and f"Manage {named}</a>" in page
    assert "<b>Midwives" not in page and "&amp;amp;" not in page
    # where markup cannot go (an attribute, the window's title) the name is only escaped
    assert f'aria-label="Memberships of {RLO}Nurses &amp; &lt;b&gt;Midwives&lt;/b&gt;"' in page
