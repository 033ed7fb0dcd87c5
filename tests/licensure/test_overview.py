"""The officers' licence overview: only the licences of active members who chose to share them
with this association, counted by status and country, and those lapsing soon, soonest first."""

import re
from datetime import timedelta

import pytest

from diaspora.associations.models import Membership
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.licensure import licences, reference
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import stats_on
from tests.licensure.samples import a_regulator


def holding(member, country: str, short_name: str, days: int | None, number: str = "PIN-1"):
    return licences.add_licence(member, {
        "regulator_id": a_regulator(country, short_name).id, "registration_number": number, "category": "full",
        "issued_on": None, "expires_on": None if days is None else today() + timedelta(days=days),
        "reminders": True})


@pytest.fixture
def association(db):
    reference.load_safeguard_list()
    officer = MembershipFactory(officer=True)
    db.session.commit()
    return officer


def member_of(officer, name: str, shares: bool = True):
    member = UserFactory(name=name)
    MembershipFactory(association=officer.association, user=member)
    if shares:
        licences.choose_sharing(member, {officer.association.id: True})
    return member


def lapsing_rows(page: str) -> list[str]:
    """The member names in the lapsing-soon table, in order."""
    card = page.split('id="lapsing"')[1].split("</section>")[0]
    return re.findall(r'<td data-label="Member"><a href="/licences/\d+">([^<]+)</a>', card)


def test_only_members_who_share_are_counted_and_listed_soonest_first(client, login, association):
    ama = member_of(association, "Ama Mensah")
    holding(ama, "GH", "NMC", 40)
    holding(ama, "NG", "NMCN", 400)
    kofi = member_of(association, "Kofi Boateng")
    holding(kofi, "GH", "MDC", 10)
    holding(kofi, "KE", "NCK", -5)
    esi = member_of(association, "Esi Quaye")
    holding(esi, "GH", "NMC", None)
    secret = member_of(association, "Not Sharing", shares=False)
    holding(secret, "GH", "NMC", 20)
    elsewhere = UserFactory(name="Shares Elsewhere")  # shares with another association only
    other = MembershipFactory(officer=True)
    MembershipFactory(association=other.association, user=elsewhere)
    licences.choose_sharing(elsewhere, {other.association.id: True})
    holding(elsewhere, "GH", "NMC", 30)
    db.session.commit()

    login(association.user)
    page = client.get(f"/associations/{association.association.slug}/licences").get_data(as_text=True)
    assert stats_on(page) == {"Active": "1", "Expiring": "2", "Lapsed": "1", "Unknown": "1"}
    assert lapsing_rows(page) == ["Kofi Boateng", "Ama Mensah"]
    assert "Not Sharing" not in page and "Shares Elsewhere" not in page
    countries = page.split('id="countries"')[1]
    rows = {re.sub(r"<.*", "", heading, flags=re.S).strip(): re.findall(r"<td[^>]*>([^<]*)</td>", cells)
            for heading, cells in re.findall(r'<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', countries, re.S)}
    # active, expiring, lapsed, unknown, in all; the most licences first
    assert rows == {"Ghana": ["0", "2", "0", "1", "3"], "Kenya": ["0", "0", "1", "0", "1"],
                    "Nigeria": ["1", "0", "0", "0", "1"]}
    assert list(rows)[0] == "Ghana"
    assert "WHO safeguards list" in countries.split("Kenya")[0]  # Ghana's marker; Kenya is not listed


def test_a_member_who_stops_sharing_or_leaves_disappears(client, login, association):
    ama = member_of(association, "Ama Mensah")
    holding(ama, "GH", "NMC", 40)
    kofi = member_of(association, "Kofi Boateng")
    holding(kofi, "GH", "MDC", 10)
    db.session.commit()
    login(association.user)
    url = f"/associations/{association.association.slug}/licences"
    assert lapsing_rows(client.get(url).get_data(as_text=True)) == ["Kofi Boateng", "Ama Mensah"]

    licences.choose_sharing(kofi, {association.association.id: False})
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert lapsing_rows(page) == ["Ama Mensah"] and "Kofi Boateng" not in page
    assert stats_on(page)["Expiring"] == "1"

    db.session.query(Membership).filter_by(user_id=ama.id).update({"status": Membership.LEFT})
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Ama Mensah" not in page
    assert "No member shares their licences with you yet" in page
    assert "on their licences page" in page


def test_another_associations_officer_and_a_member_get_no_overview(client, login, association):
    ama = member_of(association, "Ama Mensah")
    holding(ama, "GH", "NMC", 40)
    other = MembershipFactory(officer=True)
    db.session.commit()
    url = f"/associations/{association.association.slug}/licences"
    login(other.user)
    assert client.get(url).status_code in (403, 404)
    assert "Ama Mensah" not in client.get(url).get_data(as_text=True)
    login(ama)
    assert client.get(url).status_code == 403


def test_the_lapsing_list_is_paged_soonest_first(client, login, association, monkeypatch):
    from diaspora.licensure import overview_views

    for number in range(4):
        holding(member_of(association, f"Member {number}"), "GH", "NMC", 80 - number * 10)
    db.session.commit()
    login(association.user)
    monkeypatch.setattr(overview_views, "LAPSING_SHOWN", 2)
    first = client.get(f"/associations/{association.association.slug}/licences").get_data(as_text=True)
    assert lapsing_rows(first) == ["Member 3", "Member 2"]
    after = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert lapsing_rows(client.get(after).get_data(as_text=True)) == ["Member 1", "Member 0"]


def test_the_overview_runs_the_same_statements_for_2_or_12_sharing_members(client, login, association,
                                                                           count_queries):
    url = f"/associations/{association.association.slug}/licences"

    def statements(members: int) -> int:
        for number in range(members):
            member = member_of(association, f"Member {members}-{number}")
            holding(member, "GH", "NMC", 10 + number)
            holding(member, "NG", "NMCN", None)
        db.session.commit()
        login(association.user)
        with count_queries() as counter:
            page = client.get(url)
        assert page.status_code == 200 and f"Member {members}-0" in page.get_data(as_text=True)
        return counter.count

    few, many = statements(2), statements(10)
    assert few == many and many <= 8
