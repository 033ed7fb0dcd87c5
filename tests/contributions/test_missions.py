"""Missions: officers plan them, invite a team of active members (mailed in each one's language),
move them through their statuses, and report them; each team member who accepted and took part
then has a verified contribution that the rollups count."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from babel.support import Translations

from diaspora.contributions.impact import rollups
from diaspora.contributions.logbook import logbook
from diaspora.contributions.missions import missions
from diaspora.contributions.models import Contribution, Mission, MissionMember, Partnership
from diaspora.contributions.verification import verification
from diaspora.core.domain import DomainError
from diaspora.core.models import OutboxMessage
from diaspora.core.time import long_date, today
from diaspora.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import MembershipFactory, UserFactory, association_with_heritage
from tests.helpers import audit_actions, in_language, link_in, readable, row_count
from tests.mailserver import text_body

SLUG = "ghana-nurses-uk"
MISSIONS = f"/associations/{SLUG}/missions"
LAST_MONTH = today() - timedelta(days=40)


def contribution_values(title: str, **more) -> dict:
    """A member's own contribution (not through tests/contributions/samples.py: importing it
    here would register its samples before the other domains' and change their order)."""
    return {"kind": "training", "title": title, "starts_on": LAST_MONTH, "ends_on": LAST_MONTH, "country": "GH",
            **more}
CATALOGUES = "diaspora/translations"


@pytest.fixture
def w(db):
    association = association_with_heritage("GH", name="Ghana Nurses UK", slug=SLUG)
    officer = MembershipFactory(association=association, officer=True,
                                user=UserFactory(name="Efua Boateng", email="efua@example.org")).user
    ama = MembershipFactory(association=association,
                            user=UserFactory(name="Ama Mensah", email="ama@example.org", locale="fr")).user

    def member(name, email):
        return MembershipFactory(association=association, user=UserFactory(name=name, email=email)).user

    kofi = member("Kofi Owusu", "kofi@example.org")
    yaw = member("Yaw Asante", "yaw@example.org")
    esi = member("Esi Addo", "esi@example.org")
    lapsed = MembershipFactory(association=association, status="lapsed",
                               user=UserFactory(name="Lapsed Member", email="lapsed@example.org")).user
    other = association_with_heritage("NG", name="Nigerian Doctors Ireland", slug="nigerian-doctors-ie")
    other_officer = MembershipFactory(association=other, officer=True).user
    stranger = MembershipFactory(association=other,
                                 user=UserFactory(name="Chidi Okafor", email="chidi@example.org")).user
    return SimpleNamespace(association=association, officer=officer, ama=ama, kofi=kofi, yaw=yaw, esi=esi,
                           lapsed=lapsed, other=other, other_officer=other_officer, stranger=stranger)


def details(**more) -> dict:
    return {"title": "Cleft surgery mission to Tamale", "country": "GH", "region": "GH-NP",
            "facility": "Tamale Teaching Hospital", "starts_on": LAST_MONTH,
            "ends_on": LAST_MONTH + timedelta(days=9), "partnership_id": None, **more}


def plan(w, **more) -> Mission:
    mission = missions.create(w.officer, w.association, details(**more))
    db.session.commit()
    return mission


def version_on(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


# ---------------------------------------------------------------------------- services


def test_the_state_machine_refuses_what_a_status_does_not_allow(w):
    mission = plan(w)
    assert (mission.status, audit_actions(mission)) == ("planned", ["mission.created"])
    with pytest.raises(DomainError, match="Only a mission under way can be completed."):
        missions.move(w.officer, mission, "complete")
    with pytest.raises(DomainError, match="Only a completed mission can be reported."):
        missions.report(w.officer, mission, {}, mission.version)
    missions.move(w.officer, mission, "start")
    assert mission.status == "under_way"
    with pytest.raises(DomainError, match="Only a planned mission can start."):
        missions.move(w.officer, mission, "start")
    with pytest.raises(DomainError):
        missions.move(w.officer, mission, "report")  # only through the report, with its outcomes
    missions.move(w.officer, mission, "cancel")
    assert mission.status == "cancelled"
    with pytest.raises(DomainError, match="can no longer be changed"):
        missions.update(w.officer, mission, details(title="Renamed"), mission.version)
    with pytest.raises(DomainError, match="can no longer be changed"):
        missions.invite(w.officer, mission, "ama@example.org", None)
    with pytest.raises(DomainError, match="Only a planned mission or one under way can be cancelled."):
        missions.move(w.officer, mission, "cancel")
    assert audit_actions(mission) == ["mission.created", "mission.start", "mission.cancel"]


def test_only_active_members_of_the_association_can_be_invited_once(w):
    mission = plan(w)
    for address in ("nobody@example.org", "chidi@example.org", "lapsed@example.org", "not an address"):
        with pytest.raises(DomainError) as refused:
            missions.invite(w.officer, mission, address, "Nurse")
        assert refused.value.field == "email"
    place = missions.invite(w.officer, mission, "  Ama@Example.org ", "  Theatre   nurse ")
    assert (place.user_id, place.role, place.status) == (w.ama.id, "Theatre nurse", "invited")
    with pytest.raises(DomainError, match="Ama Mensah already has a place on this team"):
        missions.invite(w.officer, mission, "ama@example.org", "Nurse")
    assert row_count(MissionMember) == 1
    assert audit_actions(place) == ["mission_member.invited"]


def test_only_the_invited_person_answers_and_not_once_the_mission_is_over(w):
    mission = plan(w)
    place = missions.invite(w.officer, mission, "ama@example.org", None)
    with pytest.raises(DomainError):
        missions.answer(w.kofi, place, "accept")
    missions.answer(w.ama, place, "accept")
    assert place.status == "accepted"
    missions.answer(w.ama, place, "decline")  # a change of mind, while it is not over
    assert place.status == "declined"
    missions.move(w.officer, mission, "cancel")
    with pytest.raises(DomainError, match="This mission is over"):
        missions.answer(w.ama, place, "accept")
    assert place.status == "declined"


def _reported_mission(w, partnership=None):
    mission = plan(w, partnership_id=partnership.id if partnership else None)
    places = {person: missions.invite(w.officer, mission, person.email, role)
              for person, role in ((w.ama, "Theatre nurse"), (w.kofi, "Surgeon"), (w.yaw, "Anaesthetist"),
                                   (w.esi, "Pharmacist"))}
    missions.answer(w.ama, places[w.ama], "accept")
    missions.answer(w.kofi, places[w.kofi], "accept")
    missions.answer(w.yaw, places[w.yaw], "decline")  # Esi never answers
    missions.move(w.officer, mission, "start")
    missions.move(w.officer, mission, "complete")
    missions.mark_took_part(w.officer, places[w.kofi], False)  # accepted, then could not go
    db.session.commit()
    made = missions.report(w.officer, mission, {
        "patients_seen": 120, "procedures": 34, "people_trained": 12, "supplies_value": 2400, "currency": "gbp",
        "outcomes": "34 cleft repairs; two local surgeons trained."}, mission.version)
    db.session.commit()
    return mission, made


def test_reporting_verifies_a_contribution_only_for_those_who_accepted_and_took_part(w):
    partnership = Partnership(association_id=w.association.id, name="Tamale–Manchester link",
                              host_institution="Tamale Teaching Hospital",
                              heritage_institution="Manchester Royal Infirmary", country="GH")
    db.session.add(partnership)
    db.session.commit()
    # Someone else's verified contribution already counts: the rollups must stay true around it.
    earlier = logbook.log(w.esi, contribution_values("Webinar", hours=2))
    logbook.submit(w.esi, earlier, w.association)
    verification.verify(w.officer, earlier)
    db.session.commit()

    mission, made = _reported_mission(w, partnership)

    assert (mission.status, mission.patients_seen, mission.currency) == ("reported", 120, "GBP")
    assert mission.reported_at is not None
    assert [c.user_id for c in made] == [w.ama.id]
    contribution = db.session.scalars(sa.select(Contribution).where(Contribution.mission_id == mission.id)).one()
    assert (contribution.status, contribution.kind, contribution.title) == (
        "verified", "mission", "Cleft surgery mission to Tamale")
    assert (contribution.country, contribution.region, contribution.partner) == (
        "GH", "GH-NP", "Tamale Teaching Hospital")
    assert (contribution.starts_on, contribution.ends_on) == (mission.starts_on, mission.ends_on)
    assert (contribution.association_id, contribution.partnership_id) == (w.association.id, partnership.id)
    assert contribution.verified_by_id == w.officer.id and contribution.verified_at is not None
    assert contribution.public_token and contribution.is_public
    # the mission's reach stays on the mission: not copied onto each member's contribution
    assert contribution.patients_reached is None and contribution.people_trained is None
    assert audit_actions(contribution) == ["contribution.logged", "contribution.verify"]
    assert "mission.report" in audit_actions(mission)

    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())
    month = LAST_MONTH.replace(day=1)
    assert rollups.stored()[(w.association.id, "GH", "GH-NP", "mission", month)] == (1, 0, 0, 0)
    told = list(db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.template == "contributions_verified")))
    assert sorted(told) == ["ama@example.org", "esi@example.org"]

    with pytest.raises(DomainError, match="Only a completed mission can be reported."):
        missions.report(w.officer, mission, {}, mission.version)
    assert row_count(Contribution) == 2


def test_a_report_with_supplies_needs_their_currency_and_changes_nothing(w):
    mission = plan(w)
    missions.move(w.officer, mission, "start")
    missions.move(w.officer, mission, "complete")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        missions.report(w.officer, mission, {"supplies_value": 500}, mission.version)
    assert refused.value.field == "currency"
    db.session.rollback()
    assert db.session.get(Mission, mission.id).status == "completed"


def test_a_member_adds_a_reflection_to_their_mission_contribution_and_it_stays_verified(w):
    mission, made = _reported_mission(w)
    contribution = made[0]
    before = rollups.stored()
    with pytest.raises(DomainError):
        missions.add_reflection(w.kofi, contribution, "Not mine")
    with pytest.raises(DomainError) as empty:
        missions.add_reflection(w.ama, contribution, "   ")
    assert empty.value.field == "reflection"
    missions.add_reflection(w.ama, contribution, "I learnt to work with a smaller theatre team.")
    db.session.commit()
    assert (contribution.status, contribution.reflection) == (
        "verified", "I learnt to work with a smaller theatre team.")
    assert rollups.stored() == before == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())
    assert audit_actions(contribution)[-1] == "contribution.reflection_added"

    own = logbook.log(w.ama, contribution_values("A webinar"))
    with pytest.raises(DomainError, match="only to a verified contribution from a mission"):
        missions.add_reflection(w.ama, own, "Reflection")


# ---------------------------------------------------------------------------- pages


def test_an_officer_plans_invites_and_reports_and_the_member_answers_in_their_language(
        client, forms, login, w, smtp_server):
    login(w.officer)
    created = forms.submit(f"{MISSIONS}/new", {
        "title": "Cleft surgery mission to Tamale", "country": "GH", "region": "GH-NP",
        "facility": "Tamale Teaching Hospital", "starts_on": LAST_MONTH.isoformat(),
        "ends_on": (LAST_MONTH + timedelta(days=9)).isoformat(), "partnership_id": ""})
    assert created.status_code == 302, created.get_data(as_text=True)
    mission = db.session.scalars(sa.select(Mission)).one()
    page_url = f"{MISSIONS}/{mission.id}"
    assert created.headers["Location"] == page_url
    listing = client.get(MISSIONS).get_data(as_text=True)
    assert "Cleft surgery mission to Tamale" in listing and "Planned" in listing

    invited = forms.submit(page_url, {"email": "ama@example.org", "role": "Theatre nurse"},
                           action=f"{page_url}/team", follow_redirects=True)
    page = invited.get_data(as_text=True)
    assert "We have emailed Ama Mensah an invitation onto the team." in page
    assert "Ama Mensah" in page and "Theatre nurse" in page and "Invited" in page

    mail = smtp_server.last_to("ama@example.org")
    french = Translations.load(CATALOGUES, ["fr"])
    assert mail["Subject"] == french.ugettext("You are invited onto the team of %(mission)s") % {
        "mission": "Cleft surgery mission to Tamale"}
    text = text_body(mail)
    assert "Bonjour Ama Mensah," in text  # her language, not the officer's
    with client.application.test_request_context(headers={"Accept-Language": "fr"}):
        assert long_date(mission.starts_on) in text
    link = link_in(text)
    assert link == page_url

    login(w.ama)
    own_page = client.get(link).get_data(as_text=True)
    # Her pages are in her language too.
    assert "Cleft surgery mission to Tamale" in own_page and in_language("fr", "Accept the place") in readable(own_page)
    assert "efua@example.org" not in own_page  # the team's addresses are for officers
    accepted = forms.submit(link, {}, action=f"{page_url}/team/{mission.team[0].id}/accept", follow_redirects=True)
    on_the_team = in_language("fr", "You are on the team of “%(title)s”.", title=mission.title)
    assert on_the_team in readable(accepted.get_data(as_text=True))
    mine = readable(client.get("/missions").get_data(as_text=True))
    assert "Cleft surgery mission to Tamale" in mine and in_language("fr", "On the team") in mine
    assert client.post(f"{page_url}/start", data={"csrf_token": _token(client, page_url)}).status_code == 403

    login(w.officer)
    for action in ("start", "complete"):
        moved = forms.submit(page_url, {}, action=f"{page_url}/{action}")
        assert moved.status_code == 302
    shown = client.get(page_url).get_data(as_text=True)
    assert "Report the mission" in shown and "Start the mission" not in shown
    report_form = client.get(f"{page_url}/report").get_data(as_text=True)
    assert "Ama Mensah" in report_form  # who it will be verified for
    reported = forms.submit(f"{page_url}/report", {
        "version": version_on(report_form), "patients_seen": "120", "procedures": "34", "people_trained": "12",
        "supplies_value": "", "currency": "", "outcomes": "34 cleft repairs."}, follow_redirects=True)
    assert "The mission is reported. 1 team member has a verified contribution" in reported.get_data(as_text=True)
    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())

    login(w.ama)
    portfolio = client.get("/contributions").get_data(as_text=True)
    assert "Cleft surgery mission to Tamale" in portfolio and french.ugettext("Verified") in portfolio
    reflected = forms.submit(page_url, {"reflection": "A humbling fortnight."}, action=f"{page_url}/reflection")
    assert reflected.status_code == 302
    contribution = db.session.scalars(sa.select(Contribution)).one()
    db.session.refresh(contribution)
    assert (contribution.reflection, contribution.status) == ("A humbling fortnight.", "verified")


def _token(client, url):
    return csrf_token_from(client.get(url).get_data(as_text=True))


def test_another_tenants_officer_and_members_not_invited_get_404(client, forms, login, w):
    mission = plan(w)
    missions.invite(w.officer, mission, "ama@example.org", None)
    db.session.commit()
    page_url = f"{MISSIONS}/{mission.id}"
    login(w.other_officer)
    place = db.session.scalars(sa.select(MissionMember)).one()
    for url in (page_url, f"{page_url}/edit", f"{page_url}/report",
                f"/associations/nigerian-doctors-ie/missions/{mission.id}"):
        assert client.get(url).status_code == 404, url
    token = _token(client, "/associations/nigerian-doctors-ie/missions")
    for url in (f"{page_url}/start", f"{page_url}/team", f"{page_url}/team/{place.id}/took-part",
                f"{page_url}/team/{place.id}/accept", f"{page_url}/reflection"):
        assert client.post(url, data={"csrf_token": token, "email": "chidi@example.org"}).status_code == 404, url
    assert db.session.get(Mission, mission.id).status == "planned" and row_count(MissionMember) == 1
    assert client.get(MISSIONS).status_code == 403  # the association's page is public, its missions are not
    login(w.kofi)  # a member of the association, not invited
    assert client.get(page_url).status_code == 404
    assert "Cleft surgery" not in client.get("/missions").get_data(as_text=True)


def test_who_took_part_is_asked_only_once_the_mission_is_under_way(client, forms, login, w):
    mission = plan(w)
    place = missions.invite(w.officer, mission, "ama@example.org", "Theatre nurse")
    missions.answer(w.ama, place, "accept")
    db.session.commit()
    page_url = f"{MISSIONS}/{mission.id}"
    login(w.officer)
    planned = client.get(page_url).get_data(as_text=True)
    assert "Took part" not in planned and "Did not take part" not in planned
    refused = forms.submit(page_url, {"took_part": "no"}, action=f"{page_url}/team/{place.id}/took-part",
                           follow_redirects=True)
    assert ("Who took part can be recorded once the mission is under way, until it is reported."
            in readable(refused.get_data(as_text=True)))
    assert db.session.get(MissionMember, place.id).took_part is True
    missions.move(w.officer, mission, "start")
    db.session.commit()
    under_way = client.get(page_url).get_data(as_text=True)
    assert "Did not take part" in under_way
    marked = forms.submit(page_url, {"took_part": "no"}, action=f"{page_url}/team/{place.id}/took-part")
    assert marked.status_code == 302
    db.session.expire_all()
    assert db.session.get(MissionMember, place.id).took_part is False


def test_a_bad_date_range_comes_back_beside_the_field_with_what_was_typed(client, forms, login, w):
    login(w.officer)
    response = forms.submit(f"{MISSIONS}/new", {
        "title": "Maternal health mission", "country": "GH", "region": "", "facility": "Bolgatanga Hospital",
        "starts_on": "2026-03-10", "ends_on": "2026-03-01", "partnership_id": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="ends_on-error">(.*?)</p>', page, re.S)
    assert error and "The last day must be the same as or after the first day." in error.group(1)
    assert 'value="Maternal health mission"' in page and 'value="Bolgatanga Hospital"' in page
    assert 'value="2026-03-01"' in page
    assert row_count(Mission) == 0


def test_an_edit_saved_meanwhile_is_a_conflict_that_keeps_what_was_typed(client, forms, login, w):
    mission = plan(w)
    login(w.officer)
    edit_url = f"{MISSIONS}/{mission.id}/edit"
    shown = client.get(edit_url).get_data(as_text=True)
    assert version_on(shown) == str(mission.version)
    missions.update(w.officer, mission, details(title="Renamed by a colleague"), mission.version)
    db.session.commit()
    typed = {**{k: v.isoformat() if isinstance(v, date) else (v or "") for k, v in details().items()},
             "title": "My own title", "version": version_on(shown)}
    response = forms.submit(edit_url, typed)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Someone saved a change first" in page and "Renamed by a colleague" in page
    assert 'value="My own title"' in page
    db.session.expire_all()
    assert db.session.get(Mission, mission.id).title == "Renamed by a colleague"
    again = forms.submit(edit_url, {**typed, "version": version_on(page)})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Mission, mission.id).title == "My own title"


def test_the_mission_form_offers_only_the_associations_partnerships(client, login, w):
    db.session.add_all([
        Partnership(association_id=w.association.id, name="Tamale link", host_institution="A",
                    heritage_institution="B", country="GH"),
        Partnership(association_id=w.other.id, name="Lagos link", host_institution="C",
                    heritage_institution="D", country="NG")])
    db.session.commit()
    other = db.session.scalars(sa.select(Partnership).where(Partnership.name == "Lagos link")).one()
    login(w.officer)
    page = client.get(f"{MISSIONS}/new").get_data(as_text=True)
    assert "Tamale link" in page and "Lagos link" not in page
    with pytest.raises(DomainError) as refused:
        missions.create(w.officer, w.association, details(partnership_id=other.id))
    assert refused.value.field == "partnership_id"


def test_the_mission_list_runs_the_same_statements_for_2_or_12_missions(client, login, w, count_queries):
    partnership = Partnership(association_id=w.association.id, name="Tamale link", host_institution="A",
                              heritage_institution="B", country="GH")
    db.session.add(partnership)
    db.session.commit()
    login(w.officer)

    def add(count):
        for number in range(count):
            plan(w, title=f"Mission {number}", partnership_id=partnership.id if number % 2 else None,
                 starts_on=LAST_MONTH - timedelta(days=number))

    add(2)
    with count_queries() as few:
        assert client.get(MISSIONS).status_code == 200
    add(10)
    with count_queries() as many:
        page = client.get(MISSIONS)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count(f"{MISSIONS}/") >= 12
    assert many.count == few.count
    assert not any("count(" in statement.lower() for statement in many.statements)


def test_the_missions_list_is_newest_first_and_pages_by_keyset(client, login, w, app):
    app.config["PER_PAGE"], old = 3, app.config["PER_PAGE"]
    try:
        for number in range(5):
            plan(w, title=f"Mission number {number}", starts_on=LAST_MONTH - timedelta(days=10 * number),
                 ends_on=LAST_MONTH - timedelta(days=10 * number))
        login(w.officer)
        first = client.get(MISSIONS).get_data(as_text=True)
        titles = re.findall(r"Mission number (\d)", first)
        assert titles == ["0", "1", "2"]
        after = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
        second = client.get(after).get_data(as_text=True)
        assert re.findall(r"Mission number (\d)", second) == ["3", "4"]
    finally:
        app.config["PER_PAGE"] = old


def test_a_member_answers_from_their_list_of_missions(client, forms, login, w):
    mission = plan(w)
    place = missions.invite(w.officer, mission, "kofi@example.org", "Surgeon")
    db.session.commit()
    login(w.kofi)
    mine = client.get("/missions").get_data(as_text=True)
    assert "Cleft surgery mission to Tamale" in mine and "Invited" in mine and "Surgeon" in mine
    declined = forms.submit("/missions", {"back": "mine"},
                            action=f"{MISSIONS}/{mission.id}/team/{place.id}/decline")
    assert (declined.status_code, declined.headers["Location"]) == (302, "/missions")
    db.session.refresh(place)
    assert place.status == "declined"
    assert audit_actions(place) == ["mission_member.invited", "mission_member.decline"]


# ---------------------------------------------------------------------------- nothing before its day


def french_date(day) -> str:
    from babel.dates import format_date

    return format_date(day, "long", locale="fr")


def test_a_mission_starts_on_its_first_day_and_ends_on_its_last_not_before(client, forms, login, w):
    next_month = today() + timedelta(days=30)
    mission = plan(w, starts_on=next_month, ends_on=next_month + timedelta(days=9))
    place = missions.invite(w.officer, mission, "ama@example.org", "Theatre nurse")
    missions.answer(w.ama, place, "accept")
    db.session.commit()
    with pytest.raises(DomainError, match=f"The mission can start on {long_date(next_month)}, its first day."):
        missions.move(w.officer, mission, "start")
    db.session.rollback()

    page_url = f"{MISSIONS}/{mission.id}"
    w.officer.locale = "fr"  # the refusal and its date, in the reader's language
    db.session.commit()
    login(w.officer)
    page = readable(client.get(page_url).get_data(as_text=True))
    assert in_language("fr", "Start the mission") not in page  # no button that cannot work yet
    starts = in_language("fr", "The mission can start on %(date)s, its first day.", date=french_date(next_month))
    assert starts in page
    refused = forms.submit(page_url, {}, action=f"{page_url}/start", follow_redirects=True)
    assert starts in readable(refused.get_data(as_text=True))
    assert db.session.get(Mission, mission.id).status == "planned"
    assert row_count(Contribution) == 0


def test_a_mission_under_way_is_completed_and_reported_on_its_last_day_not_before(client, forms, login, w):
    last_day = today() + timedelta(days=5)
    mission = plan(w, starts_on=today() - timedelta(days=2), ends_on=last_day)
    place = missions.invite(w.officer, mission, "ama@example.org", "Theatre nurse")
    missions.answer(w.ama, place, "accept")
    missions.move(w.officer, mission, "start")  # its first day has come
    db.session.commit()
    with pytest.raises(DomainError, match=f"The mission can be marked completed on {long_date(last_day)}"):
        missions.move(w.officer, mission, "complete")
    db.session.rollback()
    with pytest.raises(DomainError, match="Only a completed mission can be reported."):
        missions.report(w.officer, mission, {}, mission.version)
    db.session.rollback()
    with pytest.raises(DomainError, match="its first day must be today or earlier") as moved:
        missions.update(w.officer, mission, details(starts_on=today() + timedelta(days=1), ends_on=last_day),
                        mission.version)
    assert moved.value.field == "starts_on"
    db.session.rollback()

    page_url = f"{MISSIONS}/{mission.id}"
    login(w.officer)
    page = readable(client.get(page_url).get_data(as_text=True))
    assert "Mark it completed" not in page and "Report the mission" not in page
    assert f"The mission can be marked completed on {long_date(last_day)}, its last day." in page
    assert "Cancel the mission" in page  # what can be done now still is
    refused = forms.submit(page_url, {}, action=f"{page_url}/complete", follow_redirects=True)
    assert "The mission can be marked completed on" in readable(refused.get_data(as_text=True))
    assert client.get(f"{page_url}/report").status_code == 302

    # a mission completed, then its last day moved into the future: it cannot be reported yet
    mission.ends_on = today()
    db.session.commit()
    missions.move(w.officer, mission, "complete")
    db.session.commit()
    with pytest.raises(DomainError, match="its last day must be today or earlier"):
        missions.update(w.officer, mission, details(starts_on=mission.starts_on, ends_on=last_day), mission.version)
    db.session.rollback()
    db.session.execute(sa.update(Mission).where(Mission.id == mission.id).values(ends_on=last_day))
    db.session.commit()
    db.session.expire_all()
    mission = db.session.get(Mission, mission.id)
    with pytest.raises(DomainError, match=f"The mission can be reported from {long_date(last_day)}"):
        missions.report(w.officer, mission, {}, mission.version)
    db.session.rollback()
    assert row_count(Contribution) == 0  # nobody's work is verified before it is done


def test_the_reporting_officers_own_part_awaits_another_officer(client, forms, login, w):
    kwame = MembershipFactory(association=w.association, officer=True,
                              user=UserFactory(name="Kwame Asare", email="kwame@example.org")).user
    mission = plan(w)
    for person in (w.officer, w.ama):
        place = missions.invite(w.officer, mission, person.email, "Trainer")
        missions.answer(person, place, "accept")
    missions.move(w.officer, mission, "start")
    missions.move(w.officer, mission, "complete")
    db.session.commit()

    page_url = f"{MISSIONS}/{mission.id}"
    login(w.officer)
    report_form = readable(client.get(f"{page_url}/report").get_data(as_text=True))
    assert ("Efua Boateng (Trainer) — your own part: it will await verification by another officer of the "
            "association, as nobody verifies their own contribution.") in report_form
    reported = forms.submit(f"{page_url}/report", {
        "version": version_on(report_form), "patients_seen": "40", "procedures": "", "people_trained": "",
        "supplies_value": "", "currency": "", "outcomes": ""}, follow_redirects=True)
    text = readable(reported.get_data(as_text=True))
    assert "The mission is reported. 1 team member has a verified contribution" in text
    assert "Your own part is in your portfolio, awaiting verification by another officer" in text
    assert "your part is in your portfolio, awaiting verification." in text

    made = {c.user_id: c for c in db.session.scalars(sa.select(Contribution).where(
        Contribution.mission_id == mission.id))}
    own, theirs = made[w.officer.id], made[w.ama.id]
    assert (own.status, own.verified_by_id, own.public_token) == ("submitted", None, None)
    assert (theirs.status, theirs.verified_by_id) == ("verified", w.officer.id)
    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())
    assert [key[0] for key in rollups.stored()] == [w.association.id]
    assert list(rollups.stored().values())[0][0] == 1  # only Ama's part counts yet

    login(kwame)  # another officer verifies it from the queue
    forms.submit(f"/associations/{SLUG}/verification", {"ids": [str(own.id)]})
    db.session.expire_all()
    own = db.session.get(Contribution, own.id)
    assert (own.status, own.verified_by_id) == ("verified", kwame.id)
    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())


def test_the_value_of_supplies_names_its_currency_in_the_readers_language(client, login, w):
    mission, _made = _reported_mission(w, None)
    login(w.officer)
    page = client.get(f"/associations/{SLUG}/missions/{mission.id}").get_data(as_text=True)
    assert "2,400 British pounds" in page
    w.officer.locale = "fr"
    db.session.commit()
    page = client.get(f"/associations/{SLUG}/missions/{mission.id}").get_data(as_text=True)
    assert "2\u202f400 livres sterling" in page or "2 400 livres sterling" in page
    form = client.get("/contributions/new").get_data(as_text=True)
    assert "GHS — cédi ghanéen" in form  # the list of currencies, in French too
