"""The API's lists cost what the pages' do: a keyset page in the same few statements, however
many rows the list holds (the members, a desk's queue, a member's contributions)."""

from datetime import timedelta

from diaspora.contributions.logbook import logbook
from diaspora.core.time import today
from diaspora.desks.submissions import submissions
from diaspora.desks.work import work
from diaspora.extensions import db
from tests.api.support import bearer, personal_token
from tests.contributions.samples import values
from tests.factories import DeskFactory, DeskOfficerFactory, MembershipFactory, ProfileFactory, UserFactory

BARRIER = {"barrier": "licensure", "what_happened": "Asked to travel", "what_would_help": "Online renewal"}


def _statements(app, count_queries, path: str, secret: str) -> int:
    client = app.test_client()
    assert client.get(path, headers=bearer(secret)).status_code == 200  # warm: its last use recorded
    with count_queries() as counter:
        assert client.get(path, headers=bearer(secret)).status_code == 200
    return counter.count


def test_the_members_list_costs_the_same_for_3_members_or_40(app, count_queries):
    officer = MembershipFactory(officer=True)
    association, secret = officer.association, personal_token(officer.user)
    path = f"/api/v1/associations/{association.slug}/members?per_page=10"
    for _ in range(2):
        ProfileFactory(user=MembershipFactory(association=association).user, directory_consent=True)
    few = _statements(app, count_queries, path, secret)
    for _ in range(37):
        ProfileFactory(user=MembershipFactory(association=association).user, directory_consent=True)
    assert _statements(app, count_queries, path, secret) == few


def test_the_desk_queue_costs_the_same_for_2_submissions_or_30(app, count_queries):
    desk = DeskFactory(country="NG", topics=["barrier_report"])
    secret = personal_token(DeskOfficerFactory(desk=desk).user)
    path = f"/api/v1/desks/{desk.id}/queue?per_page=10"

    def send(number):
        submissions.send(UserFactory(), country="NG", topic="barrier_report", title=f"Barrier {number}",
                         answers=BARRIER, show_identity=number % 2 == 0)
        db.session.commit()

    for number in range(2):
        send(number)
    few = _statements(app, count_queries, path, secret)
    for number in range(28):
        send(number)
    assert _statements(app, count_queries, path, secret) == few


def test_a_members_contributions_cost_the_same_for_2_or_30(app, count_queries):
    member = MembershipFactory().user
    secret = personal_token(member)

    def log(number):
        logbook.log(member, values(f"Training {number}", starts_on=today() - timedelta(days=number), ends_on=None))
        db.session.commit()

    for number in range(2):
        log(number)
    few = _statements(app, count_queries, "/api/v1/contributions?per_page=10", secret)
    for number in range(2, 30):
        log(number)
    assert _statements(app, count_queries, "/api/v1/contributions?per_page=10", secret) == few


def test_the_fhir_feed_and_open311_cost_the_same_for_2_members_or_30(app, count_queries):
    """A page of Practitioners (their licences included), of the history, and the desk's Open311
    requests: the same statements for a few as for many (no statement per member)."""
    from diaspora.licensure.models import Licence, Regulator
    from diaspora.members import consents

    desk = DeskFactory(country="GH", topics=["barrier_report"])
    secret = personal_token(DeskOfficerFactory(desk=desk).user)
    regulator = Regulator(country="GH", name="Ghana Medical and Dental Council", short_name="GMDC")
    db.session.add(regulator)
    db.session.commit()
    paths = [f"/api/v1/desks/{desk.id}/fhir/Practitioner?_count=10",
             f"/api/v1/desks/{desk.id}/fhir/PractitionerRole/_history?_count=10",
             f"/api/v1/desks/{desk.id}/open311/v2/requests.json"]

    def add(number):
        user = ProfileFactory(heritage=["GH"]).user
        consents.change_consents(user, directory=False, desks={"GH": number % 5 != 0})
        db.session.add(Licence(user_id=user.id, regulator_id=regulator.id, registration_number=f"MDC/{number}"))
        submissions.send(user, country="GH", topic="barrier_report", title=f"Barrier {number}", answers=BARRIER,
                         show_identity=True)
        db.session.commit()

    for number in range(2):
        add(number)
    few = [_statements(app, count_queries, path, secret) for path in paths]
    for number in range(2, 30):
        add(number)
    assert [_statements(app, count_queries, path, secret) for path in paths] == few


def test_the_desk_queue_shows_each_submission_as_the_api_reads_it_alone(app):
    """The queue reads rows (columns and names), a submission alone is read as an object: both
    say the same of it, the sender's name withheld or given, the association, the assignee."""
    desk = DeskFactory(country="NG", topics=["barrier_report"])
    officer = DeskOfficerFactory(desk=desk, user=UserFactory(name="Ada Officer")).user
    association = MembershipFactory(officer=True, user=UserFactory(name="Funmi Secretary"))
    sent = [submissions.send(UserFactory(name="Ngozi Hidden"), country="NG", topic="barrier_report",
                             title="Anonymous", answers=BARRIER, show_identity=False),
            submissions.send(UserFactory(name="Emeka Named"), country="NG", topic="barrier_report",
                             title="Signed", answers=BARRIER, show_identity=True),
            submissions.send(association.user, country="NG", topic="barrier_report", title="From the association",
                             answers=BARRIER, show_identity=True, association=association.association)]
    work.assign(officer, sent[1], officer.id, sent[1].version)
    db.session.commit()
    client, headers = app.test_client(), bearer(personal_token(officer))

    listed = client.get(f"/api/v1/desks/{desk.id}/queue", headers=headers).get_json()["items"]
    alone = [client.get(f"/api/v1/desks/{desk.id}/submissions/{item['id']}", headers=headers).get_json()
             for item in listed]
    assert [item["title"] for item in listed] == ["From the association", "Signed", "Anonymous"]
    assert listed == [dict(one, timeline=None) for one in alone]
    assert [item["submitter"] for item in listed] == [
        f"{association.association.name} (sent by Funmi Secretary)", "Emeka Named", "Identity withheld"]
    assert listed[1]["assignee"] == {"id": officer.id, "name": "Ada Officer"}
    assert listed[2]["answers"] and listed[0]["association"]["slug"] == association.association.slug
