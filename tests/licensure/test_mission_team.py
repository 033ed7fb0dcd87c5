"""On a mission's page, the association's officers see each team member's licence in the
mission's country, where the member lets the association see it, and a warning, before and
during the mission, for anyone whose licence there is missing, of unknown expiry or lapses
before the mission ends. Other people see none of it."""

import re
from datetime import timedelta

import pytest

from diaspora.associations.models import Association
from diaspora.contributions.missions import missions
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences
from tests.factories import MembershipFactory, UserFactory, association_with_heritage
from tests.licensure.samples import a_regulator

SLUG = "ghana-nurses-uk"
STARTS = today() + timedelta(days=30)
ENDS = STARTS + timedelta(days=9)


@pytest.fixture
def officer(db):
    association = association_with_heritage("GH", name="Ghana Nurses UK", slug=SLUG)
    return MembershipFactory(association=association, officer=True, user=UserFactory(name="Efua Boateng")).user


def on_the_team(officer, mission, name: str, shares: bool = True, expires=None, country: str = "GH",
                regulator: str = "NMC"):
    member = UserFactory(name=name)
    MembershipFactory(association=mission.association, user=member)
    if shares:
        licences.choose_sharing(member, {mission.association.id: True})
    if expires is not None:
        licences.add_licence(member, {
            "regulator_id": a_regulator(country, regulator).id, "registration_number": f"PIN-{name}",
            "category": "full", "issued_on": None, "expires_on": None if expires == "unknown" else expires,
            "reminders": False})
    missions.invite(officer, mission, member.email, None)
    return member


def a_mission(officer, **more):
    values = {"title": "Cleft surgery mission to Tamale", "country": "GH", "region": None, "facility": None,
              "starts_on": STARTS, "ends_on": ENDS, "partnership_id": None, **more}
    return missions.create(officer, db.session.query(Association).filter_by(slug=SLUG).one(), values)


def standing_rows(page: str) -> dict[str, str]:
    card = page.split('id="team-licences"')[1].split("</section>")[0]
    rows = re.findall(r'<td data-label="Name">([^<]+)</td>.*?<td data-label="For this mission">'
                      r'<span class="badge[^"]*">([^<]+)</span>', card, re.S)
    return dict(rows)


def warning_of(page: str) -> str:
    card = page.split('id="team-licences"')[1].split("</section>")[0]
    match = re.search(r'<div class="banner banner--warning">(.*?)</div>', card, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def test_officers_see_each_team_members_licence_for_the_mission_and_a_warning(client, login, officer):
    mission = a_mission(officer)
    on_the_team(officer, mission, "Ama Valid", expires=ENDS + timedelta(days=200))
    on_the_team(officer, mission, "Kofi Lapses", expires=STARTS + timedelta(days=3))
    on_the_team(officer, mission, "Yaw Lapsed", expires=STARTS - timedelta(days=1))
    on_the_team(officer, mission, "Esi Unknown", expires="unknown")
    on_the_team(officer, mission, "Abena Nigeria", expires=ENDS + timedelta(days=200), country="NG",
                regulator="NMCN")
    on_the_team(officer, mission, "Akua Private", shares=False, expires=ENDS + timedelta(days=200))
    db.session.commit()
    login(officer)
    page = client.get(f"/associations/{SLUG}/missions/{mission.id}").get_data(as_text=True)
    assert standing_rows(page) == {
        "Ama Valid": "Valid for the whole mission", "Kofi Lapses": "Lapses during the mission",
        "Yaw Lapsed": "Lapses before the mission starts", "Esi Unknown": "Expiry date unknown",
        "Abena Nigeria": "No licence registered in this country",
        "Akua Private": "Not shared with the association"}
    warning = warning_of(page)
    assert warning.startswith("4 team members may not practise in Ghana for the whole mission.")
    assert "Kofi Lapses: Lapses during the mission" in warning and "Abena Nigeria" in warning
    assert "Ama Valid" not in warning and "Akua Private" not in warning
    assert "PIN-Akua Private" not in page and "PIN-" not in page  # no registration number on the page


def test_a_declined_place_drops_out_and_a_finished_mission_warns_no_more(client, login, officer):
    mission = a_mission(officer, starts_on=today() - timedelta(days=20), ends_on=today() - timedelta(days=10))
    member = on_the_team(officer, mission, "Kofi Declines", expires=None)
    missions.answer(member, mission.team[0], "decline")
    on_the_team(officer, mission, "Yaw Nothing")
    missions.move(officer, mission, "start")
    db.session.commit()
    login(officer)
    url = f"/associations/{SLUG}/missions/{mission.id}"
    page = client.get(url).get_data(as_text=True)
    assert standing_rows(page) == {"Yaw Nothing": "No licence registered in this country"}
    assert warning_of(page).startswith("1 team member may not practise in Ghana")
    missions.move(officer, mission, "complete")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert standing_rows(page) == {"Yaw Nothing": "No licence registered in this country"}
    assert warning_of(page) == ""


def test_team_members_see_no_one_elses_licences(client, login, officer):
    mission = a_mission(officer)
    ama = on_the_team(officer, mission, "Ama Valid", expires=ENDS + timedelta(days=200))
    on_the_team(officer, mission, "Kofi Lapses", expires=STARTS + timedelta(days=3))
    missions.answer(ama, mission.team[0], "accept")
    db.session.commit()
    login(ama)
    page = client.get(f"/associations/{SLUG}/missions/{mission.id}").get_data(as_text=True)
    assert "Ama Valid" in page and 'id="team-licences"' not in page and "Lapses during" not in page


def test_the_panel_costs_the_same_statements_for_2_or_10_team_members(client, login, officer, count_queries):
    def statements(size: int) -> int:
        mission = a_mission(officer)
        for number in range(size):
            on_the_team(officer, mission, f"Member {size}-{number}", expires=ENDS + timedelta(days=number))
        db.session.commit()
        login(officer)
        with count_queries() as counter:
            page = client.get(f"/associations/{SLUG}/missions/{mission.id}").get_data(as_text=True)
        assert len(standing_rows(page)) == size
        return counter.count

    assert statements(2) == statements(10)
