"""Health Partnerships: officers add and change them; active members read them; each one's page
adds up its missions and the verified contributions attached to it, in one statement."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diaspora.contributions.logbook import logbook
from diaspora.contributions.missions import missions, partnerships
from diaspora.contributions.models import Partnership
from diaspora.contributions.verification import verification
from diaspora.core.domain import DomainError
from diaspora.core.time import today
from diaspora.extensions import db
from tests.factories import MembershipFactory, UserFactory, association_with_heritage
from tests.helpers import audit_actions, row_count, stats_on

SLUG = "ghana-nurses-uk"
PARTNERSHIPS = f"/associations/{SLUG}/partnerships"
LAST_MONTH = today() - timedelta(days=40)


def contribution_values(title: str, **more) -> dict:
    """A member's own contribution (not through tests/contributions/samples.py: importing it
    here would register its samples before the other domains' and change their order)."""
    return {"kind": "training", "title": title, "starts_on": LAST_MONTH, "ends_on": LAST_MONTH, "country": "GH",
            **more}
GOOD = {"name": "Tamale–Manchester surgical link", "host_institution": "Tamale Teaching Hospital",
        "heritage_institution": "Manchester Royal Infirmary", "country": "GH",
        "aims": "Safer surgery and anaesthesia in the Northern Region.", "focal_people": "Dr Abu; Ms Clarke",
        "starts_on": "2024-01-01", "ends_on": ""}


@pytest.fixture
def w(db):
    association = association_with_heritage("GH", name="Ghana Nurses UK", slug=SLUG)
    officer = MembershipFactory(association=association, officer=True,
                                user=UserFactory(name="Efua Boateng")).user
    member = MembershipFactory(association=association, user=UserFactory(name="Ama Mensah",
                                                                          email="ama@example.org")).user
    second = MembershipFactory(association=association, user=UserFactory(name="Kofi Owusu",
                                                                          email="kofi@example.org")).user
    applicant = MembershipFactory(association=association, status="applied", joined_on=None).user
    other = association_with_heritage("NG", name="Nigerian Doctors Ireland", slug="nigerian-doctors-ie")
    other_officer = MembershipFactory(association=other, officer=True).user
    return type("World", (), dict(association=association, officer=officer, member=member, second=second,
                                  applicant=applicant, other=other, other_officer=other_officer))


def version_on(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def made(w, **more) -> Partnership:
    partnership = partnerships.create(w.officer, w.association, {**GOOD, "starts_on": None, "ends_on": None,
                                                                 **more})
    db.session.commit()
    return partnership


def test_an_officer_adds_then_changes_a_partnership(client, forms, login, w):
    login(w.officer)
    created = forms.submit(f"{PARTNERSHIPS}/new", GOOD)
    assert created.status_code == 302, created.get_data(as_text=True)
    partnership = db.session.scalars(sa.select(Partnership)).one()
    assert (partnership.name, partnership.country, partnership.association_id) == (
        "Tamale–Manchester surgical link", "GH", w.association.id)
    assert audit_actions(partnership) == ["partnership.created"]
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Manchester Royal Infirmary" in page and "Safer surgery" in page
    assert "Tamale–Manchester surgical link" in client.get(PARTNERSHIPS).get_data(as_text=True)

    edit_url = f"{PARTNERSHIPS}/{partnership.id}/edit"
    shown = client.get(edit_url).get_data(as_text=True)
    changed = forms.submit(edit_url, {**GOOD, "aims": "Safer anaesthesia.", "version": version_on(shown)})
    assert changed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Partnership, partnership.id).aims == "Safer anaesthesia."
    assert audit_actions(partnership) == ["partnership.created", "partnership.changed"]

    stale = forms.submit(edit_url, {**GOOD, "aims": "Typed over a stale page.", "version": version_on(shown)})
    assert stale.status_code == 422
    page = stale.get_data(as_text=True)
    assert "Someone saved a change first" in page and "Typed over a stale page." in page
    db.session.expire_all()
    assert db.session.get(Partnership, partnership.id).aims == "Safer anaesthesia."


def test_a_bad_date_range_comes_back_beside_the_field_with_what_was_typed(client, forms, login, w):
    login(w.officer)
    response = forms.submit(f"{PARTNERSHIPS}/new", {**GOOD, "starts_on": "2025-06-01", "ends_on": "2025-01-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="ends_on-error">(.*?)</p>', page, re.S)
    assert error and "The last day must be the same as or after the first day." in error.group(1)
    assert 'value="Tamale Teaching Hospital"' in page and 'value="2025-01-01"' in page
    assert row_count(Partnership) == 0


def test_active_members_read_a_partnership_and_nobody_else_outside_its_officers_does(client, login, w):
    partnership = made(w)
    url = f"{PARTNERSHIPS}/{partnership.id}"
    login(w.member)
    page = client.get(url)
    assert page.status_code == 200 and "Manchester Royal Infirmary" in page.get_data(as_text=True)
    assert "/edit" not in page.get_data(as_text=True)
    assert client.get(f"{url}/edit").status_code == 403
    assert "Tamale–Manchester surgical link" in client.get(PARTNERSHIPS).get_data(as_text=True)
    assert client.get(f"{PARTNERSHIPS}/new").status_code == 403
    login(w.applicant)
    assert client.get(url).status_code == 404
    login(w.other_officer)
    for path in (url, f"{url}/edit", f"/associations/nigerian-doctors-ie/partnerships/{partnership.id}"):
        assert client.get(path).status_code == 404, path


def _report(w, partnership, title, people, patients):
    mission = missions.create(w.officer, w.association, {
        "title": title, "country": "GH", "region": None, "facility": "Tamale Teaching Hospital",
        "starts_on": LAST_MONTH, "ends_on": LAST_MONTH + timedelta(days=5), "partnership_id": partnership.id})
    for person in people:
        place = missions.invite(w.officer, mission, person.email, None)
        missions.answer(person, place, "accept")
    missions.move(w.officer, mission, "start")
    missions.move(w.officer, mission, "complete")
    missions.report(w.officer, mission, {"patients_seen": patients, "people_trained": 4, "procedures": 9},
                    mission.version)
    return mission


def test_the_page_adds_up_its_missions_and_contributions_in_one_statement(client, login, w, count_queries):
    partnership = made(w)
    elsewhere = made(w, name="Another link")
    _report(w, partnership, "Surgical mission", [w.member, w.second], patients=120)
    _report(w, elsewhere, "Elsewhere", [w.member], patients=999)
    cancelled = missions.create(w.officer, w.association, {
        "title": "Cancelled one", "country": "GH", "region": None, "facility": None, "starts_on": LAST_MONTH,
        "ends_on": LAST_MONTH, "partnership_id": partnership.id})
    missions.move(w.officer, cancelled, "cancel")
    # a training the member logged under the partnership, verified; and one still waiting
    for title, verify in (("Training in Tamale", True), ("Waiting", False)):
        contribution = logbook.log(w.member, contribution_values(title, hours=6, people_trained=15,
                                                                 patients_reached=30))
        contribution.partnership_id = partnership.id
        logbook.submit(w.member, contribution, w.association)
        if verify:
            verification.verify(w.officer, contribution)
    db.session.commit()
    db.session.refresh(partnership)  # loaded again after the commit, before counting

    with count_queries() as counter:
        totals = partnerships.totals_of(partnership)
    assert counter.count == 1
    assert (totals.missions, totals.reported_missions, totals.patients_seen, totals.procedures) == (1, 1, 120, 9)
    # two mission contributions (one per team member) and the verified training
    assert (totals.contributions, totals.hours) == (3, 6)
    assert (totals.people_trained, totals.patients_reached) == (4 + 15, 120 + 30)

    login(w.member)
    page = client.get(f"{PARTNERSHIPS}/{partnership.id}").get_data(as_text=True)
    assert stats_on(page) == {"mission": "1", "verified contributions": "3", "hours given": "6",
                              "people trained": "19", "patients reached": "150"}
    assert "Surgical mission" not in page  # missions are for their teams and officers
    login(w.officer)
    page = client.get(f"{PARTNERSHIPS}/{partnership.id}").get_data(as_text=True)
    assert "Surgical mission" in page and "Cancelled one" in page and "Elsewhere" not in page


def test_a_partnership_needs_its_institutions_and_a_country(w):
    for name, value in (("name", " "), ("host_institution", ""), ("heritage_institution", ""), ("country", "XX")):
        with pytest.raises(DomainError) as refused:
            partnerships.create(w.officer, w.association, {**GOOD, "starts_on": None, "ends_on": None, name: value})
        assert refused.value.field == name
