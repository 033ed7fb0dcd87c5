"""The readable audit trail: an association's officers read its events, a desk's officers the
desk's, admins every event; in plain words, in the reader's language; filtered by person,
action and dates; keyset-paged; as CSV; an erased person's name is gone from it."""

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from diaspora.associations import memberships
from diaspora.auth import services
from diaspora.contributions.logbook import logbook
from diaspora.core import audit
from diaspora.core.models import AuditEvent
from diaspora.core.time import utcnow
from diaspora.desks.models import DeskOfficer
from diaspora.desks.partners import calls
from diaspora.extensions import db
from diaspora.records.labels import ACTIONS
from tests.associations.support import world
from tests.factories import DeskFactory, UserFactory
from tests.helpers import in_language, readable


def trail(client, url: str) -> str:
    """The trail's rows (not the filter's list of actions), and its pager and messages."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    page = readable(response.get_data(as_text=True))
    return page.split('role="search"', 1)[1].split("</form>", 1)[1]


def test_an_officer_reads_their_associations_trail_and_no_other(client, login):
    w = world()
    memberships.approve_application(w.applicant_membership, w.officer)
    memberships.suspend(w.member_membership, w.officer)
    draft = logbook.log(w.member, {"kind": "training", "title": "A private draft", "starts_on": date(2025, 9, 1),
                                   "country": "GH"})
    draft.association_id = w.mine.id  # chosen, not sent yet
    audit.record("contribution.changed", draft, actor=w.member)
    theirs = world_event_elsewhere(w)
    db.session.commit()

    login(w.officer)
    page = trail(client, f"/associations/{w.mine.slug}/audit")
    assert "Approved an application to join" in page and "Suspended a membership" in page
    assert f"Membership {w.member_membership.id}" in page and w.officer.name in page
    assert "Logged a contribution" not in page and "Changed a contribution" not in page  # a draft is the member's
    assert theirs not in page
    login(w.member)
    assert client.get(f"/associations/{w.mine.slug}/audit").status_code in (403, 404)
    assert client.get(f"/associations/{w.mine.slug}/audit.csv").status_code in (403, 404)


def world_event_elsewhere(w) -> str:
    audit.record("association.updated", w.theirs, actor=w.other_officer)
    return "Changed the association's details"


def test_filters_paging_and_csv(client, login):
    w = world()
    base = utcnow() - timedelta(days=40)
    db.session.execute(sa.insert(AuditEvent), [
        {"actor_id": w.officer.id, "subject_id": w.member.id if n % 2 else None, "action": "membership.renewed",
         "object_type": "memberships", "object_id": str(1000 + n), "association_id": w.mine.id,
         "created_at": base + timedelta(days=n)} for n in range(30)])
    db.session.commit()
    login(w.officer)
    url = f"/associations/{w.mine.slug}/audit"
    first = trail(client, url)
    assert "Membership 1029" in first and "Membership 1005" in first and "Membership 1004" not in first
    after = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    second = trail(client, after)
    assert "Membership 1004" in second and "Membership 1029" not in second

    about_member = trail(client, f"{url}?person={w.member.email}")
    assert "Membership 1029" in about_member and "Membership 1028" not in about_member
    recent = trail(client, f"{url}?since={(base + timedelta(days=28)).date().isoformat()}")
    assert "Membership 1028" in recent and "Membership 1027" not in recent
    assert "Membership 1000" in trail(client, f"{url}?until={base.date().isoformat()}&action=membership.renewed")
    assert "No events" in trail(client, f"{url}?action=membership.suspended")
    # What cannot be read is left out, never a 500.
    assert "Membership 1029" in trail(client, f"{url}?since=2026-02-31&action=nonsense&person=%00")

    csv_text = client.get(f"{url}.csv?person={w.member.email}").get_data(as_text=True)
    assert csv_text.count("Renewed a membership") == 15 and w.member.name in csv_text


def test_a_desk_officer_reads_the_desks_trail_and_an_admin_everything(client, login):
    desk = DeskFactory(country="GH", name="Ghana Diaspora Desk")
    other = DeskFactory(country="NG", name="Nigeria Desk")
    officer = UserFactory(name="Akua Desk")
    db.session.add(DeskOfficer(desk_id=desk.id, user_id=officer.id))
    db.session.commit()
    start = (utcnow() + timedelta(days=30)).date()
    call, _told = calls.post(officer, desk, {"title": "Nurses", "starts_on": start, "ends_on": start,
                                             "mode": "either"})
    member = UserFactory(name="Kofi Quietly")
    audit.record("support_call.answered", call, actor=member, subject=member)
    audit.record("desk.changed", other, actor=None)
    admin = UserFactory(admin=True, name="Ada Admin")
    audit.record("user.made_admin", admin, actor=None)
    db.session.commit()

    login(officer)
    page = trail(client, f"/desks/{desk.id}/audit")
    assert "Posted a call for support" in page and "Changed the desk's settings" not in page
    assert "Akua Desk" in page  # its own officers by name
    assert "Kofi Quietly" not in page and "Someone else" in page  # a member is not named to the desk here
    assert client.get(f"/desks/{other.id}/audit").status_code in (403, 404)
    assert client.get("/admin/audit").status_code in (302, 403, 404)
    login(admin)
    everything = trail(client, "/admin/audit")
    assert "Posted a call for support" in everything and "Changed the desk's settings" in everything
    assert "The platform" in everything  # an event with no actor: a cron job
    # Admins run the platform, not its associations: account numbers, not people's names.
    assert "Akua Desk" not in everything and f"Account {officer.id}" in everything


def test_the_trail_is_in_the_readers_language(client, login):
    w = world()
    memberships.suspend(w.member_membership, w.officer)
    w.officer.locale = "pt"
    db.session.commit()
    login(w.officer)
    page = trail(client, f"/associations/{w.mine.slug}/audit")
    assert in_language("pt", "Suspended a membership") in page
    assert in_language("pt", "Suspended a membership") != "Suspended a membership"


def test_an_erased_persons_name_leaves_the_trail(client, login):
    w = world()
    memberships.suspend(w.member_membership, w.officer)
    memberships.reinstate(w.member_membership, w.officer)
    db.session.commit()
    login(w.officer)
    assert w.member.name in trail(client, f"/associations/{w.mine.slug}/audit")
    name = w.member.name
    _erase(w.member)
    page = trail(client, f"/associations/{w.mine.slug}/audit")
    assert name not in page and "Reinstated a membership" in page
    db.session.expire_all()
    assert all(event.changes is None for event in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_id == w.member.id,
                                    AuditEvent.action != "user.deleted")))  # that one holds counts


def _erase(user) -> None:
    from tests.factories import DEFAULT_PASSWORD

    services.delete_account(user, DEFAULT_PASSWORD)
    db.session.commit()


def test_every_action_the_code_records_has_plain_words():
    recorded = set()
    for path in Path("diaspora").rglob("*.py"):
        text = path.read_text()
        recorded.update(re.findall(r'(?:audit\.record|_record)\(\s*"([a-z_]+\.[a-z_]+)"', text, re.S))
        for prefix in re.findall(r'audit\.record\(\s*f"([a-z_]+)\.\{action\}"', text):
            recorded.add(prefix + ".*")
    for dynamic in [name for name in recorded if name.endswith(".*")]:
        recorded.discard(dynamic)
        assert any(label.startswith(dynamic[:-1]) for label in ACTIONS), dynamic
    assert len(recorded) > 90
    assert recorded - set(ACTIONS) == set()
