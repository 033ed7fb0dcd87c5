"""Who verifies what: nobody verifies their own contribution, by any route (its page, the bulk
form; the mission report has its own test in test_missions.py), and an officer who verified
something in error withdraws the verification with a reason: the member is told in their
language, the link and the credential stop working, the totals follow, the trail records it.
The rollups equal a recount after every kind of change."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diaspora.contributions.impact import rollups
from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution, IssuedCredential
from diaspora.contributions.verification import verification
from diaspora.core.domain import DomainError
from diaspora.core.models import AuditEvent
from diaspora.extensions import db
from tests.contributions.samples import values
from tests.factories import MembershipFactory, UserFactory, association_with_heritage
from tests.helpers import audit_actions, readable
from tests.mailserver import html_body, text_body

SLUG = "ghana-nurses-uk"
QUEUE = f"/associations/{SLUG}/verification"
OWN_REFUSAL = "You cannot verify your own contribution, nor decide on it: another officer of the association must."


@pytest.fixture
def w(db):
    association = association_with_heritage("GH", name="Ghana Nurses UK", slug=SLUG)
    efua = MembershipFactory(association=association, officer=True,
                             user=UserFactory(name="Efua Boateng", email="efua@example.org")).user
    kwame = MembershipFactory(association=association, officer=True,
                              user=UserFactory(name="Kwame Asare", email="kwame@example.org")).user
    ama = MembershipFactory(association=association,
                            user=UserFactory(name="Ama Mensah", email="ama@example.org", locale="fr")).user
    db.session.commit()
    return SimpleNamespace(association=association, efua=efua, kwame=kwame, ama=ama)


def sent(w, person, title: str, **more) -> Contribution:
    made = logbook.log(person, values(title, **more))
    logbook.submit(person, made, w.association)
    db.session.commit()
    return made


def status_of(contribution) -> str:
    db.session.expire_all()
    return db.session.get(Contribution, contribution.id).status


def assert_rollups_true() -> None:
    assert rollups.stored() == rollups.recount()
    assert rollups.stored_by_country() == rollups.by_country(rollups.recount())


# ---------------------------------------------------------------------------- no self-verification


def test_an_officer_cannot_verify_their_own_contribution_on_its_page_nor_in_bulk(client, forms, login, w):
    own = sent(w, w.efua, "Efua's own webinar", hours=3)
    theirs = sent(w, w.ama, "Ama's mentoring", hours=5)
    login(w.efua)
    assert forms.submit(f"/contributions/{own.id}", {}, action=f"/contributions/{own.id}/verify").status_code == 403

    # the bulk form, sent with the officer's own contribution ticked: nothing is verified
    answer = forms.submit(QUEUE, {"ids": [str(theirs.id), str(own.id)]}, follow_redirects=True)
    assert (status_of(own), status_of(theirs)) == ("submitted", "submitted")
    assert OWN_REFUSAL in readable(answer.get_data(as_text=True))

    queue = client.get(QUEUE).get_data(as_text=True)  # listed, for another officer: nothing to tick
    assert "Efua&#39;s own webinar" in queue and "Ama&#39;s mentoring" in queue
    assert f'value="{theirs.id}"' in queue and f'value="{own.id}"' not in queue
    assert "Yours: another officer verifies it." in queue
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuedCredential)) == 0
    assert rollups.stored() == {}
    refused = client.get(f"/contributions/{own.id}/credential.jwt")
    assert refused.status_code == 302  # no credential: it is not verified
    with pytest.raises(DomainError, match="another officer of the association must"):
        verification.verify(w.efua, db.session.get(Contribution, own.id))
    db.session.rollback()

    forms.submit(QUEUE, {"ids": [str(theirs.id)]})
    login(w.kwame)  # another officer verifies it
    forms.submit(QUEUE, {"ids": [str(own.id)]})
    db.session.expire_all()
    verified = db.session.get(Contribution, own.id)
    assert (verified.status, verified.verified_by_id) == ("verified", w.kwame.id)
    assert status_of(theirs) == "verified"
    assert_rollups_true()


# ---------------------------------------------------------------------------- withdrawing a verification


def test_an_officer_withdraws_a_verification_made_in_error_with_a_reason(client, forms, login, smtp_server, w):
    contribution = sent(w, w.ama, "Formation en ligne", hours=4, people_trained=20)
    verification.verify(w.efua, contribution)
    db.session.commit()
    token = contribution.public_token
    assert len(rollups.stored()) == 1
    assert_rollups_true()
    page_url = f"/contributions/{contribution.id}"
    action = f"{page_url}/verification/withdraw"

    login(w.efua)
    page = client.get(page_url).get_data(as_text=True)
    assert "Withdraw the verification" in page and f'action="{action}"' in page
    empty = forms.submit(page_url, {"reason": "   "}, action=action)
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Say why you are withdrawing the verification." in text
    assert 'id="reason-error"' in text  # beside the field
    assert status_of(contribution) == "verified"
    too_long = forms.submit(page_url, {"reason": "x" * 2001}, action=action)
    assert too_long.status_code == 422 and "x" * 2001 in too_long.get_data(as_text=True)  # what was typed stays

    reason = "Verified by mistake: the attendance list is for another session."
    done = forms.submit(page_url, {"reason": reason}, action=action)
    assert done.status_code == 302
    db.session.expire_all()
    withdrawn = db.session.get(Contribution, contribution.id)
    assert (withdrawn.status, withdrawn.return_reason) == ("returned", reason)
    assert withdrawn.verified_at is None and withdrawn.verified_by_id is None
    assert rollups.stored() == {}
    assert_rollups_true()
    proof = client.get(f"/proof/{token}")
    assert proof.status_code == 410 and "its association withdrew the verification" in proof.get_data(as_text=True)
    credential = db.session.scalars(sa.select(IssuedCredential)).one()
    assert (credential.reason, credential.revoked_at is not None) == ("verification_withdrawn", True)
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "contribution.withdraw_verification")).one()
    assert event.actor_id == w.efua.id and event.changes["reason"] == reason
    assert event.changes["status"] == {"from": "verified", "to": "returned"}

    mail = smtp_server.last_to("ama@example.org")
    assert "Bonjour Ama Mensah" in text_body(mail) and reason in text_body(mail)
    assert "vérification" in mail["Subject"].lower() or "vérification" in text_body(mail).lower()
    assert reason in readable(html_body(mail))
    assert f"/contributions/{contribution.id}" in text_body(mail)

    login(w.ama)  # the member corrects it and sends it again; another verification counts it again
    assert reason in readable(client.get(page_url).get_data(as_text=True))
    logbook.update(w.ama, withdrawn, values("Formation en ligne", hours=2, people_trained=20), withdrawn.version)
    logbook.submit(w.ama, withdrawn, w.association)
    verification.verify(w.kwame, withdrawn)
    db.session.commit()
    assert_rollups_true()
    assert list(rollups.stored().values()) == [(1, 2.0, 20, 0)]
    assert audit_actions(withdrawn)[-4:] == ["contribution.withdraw_verification", "contribution.changed",
                                             "contribution.submit", "contribution.verify"]


def test_only_another_officer_of_the_association_can_withdraw_a_verification(client, forms, login, w):
    own = sent(w, w.efua, "Efua's own webinar")
    verification.verify(w.kwame, own)
    theirs = sent(w, w.ama, "Ama's mentoring")
    verification.verify(w.efua, theirs)
    outsider = MembershipFactory(officer=True).user
    db.session.commit()

    login(w.efua)  # her own: the page offers nothing, the route refuses, so does the service
    page = client.get(f"/contributions/{own.id}").get_data(as_text=True)
    assert "Withdraw the verification" not in page
    assert forms.submit(f"/contributions/{own.id}", {"reason": "Mine"},
                        action=f"/contributions/{own.id}/verification/withdraw").status_code == 403
    with pytest.raises(DomainError, match="another officer of the association must"):
        verification.withdraw_verification(w.efua, own, "Mine")
    db.session.rollback()
    for person, expected in ((w.ama, 403), (outsider, 404)):
        login(person)
        response = client.post(f"/contributions/{theirs.id}/verification/withdraw", data={"reason": "No"})
        assert response.status_code in (400, expected)  # no CSRF token for a page they cannot open
        assert forms.submit(f"/contributions/{theirs.id}" if person is w.ama else "/dashboard", {"reason": "No"},
                            action=f"/contributions/{theirs.id}/verification/withdraw").status_code == expected
    assert (status_of(own), status_of(theirs)) == ("verified", "verified")
    assert_rollups_true()


def test_the_rollups_equal_a_recount_after_every_kind_of_change(w):
    """Verify, return, send again, withdraw a verification, verify again, reopen, bulk verify."""
    first = sent(w, w.ama, "First", hours=2, people_trained=3)
    second = sent(w, w.ama, "Second", hours=1, patients_reached=7, country="NG")
    steps = [
        lambda: verification.verify(w.efua, first),
        lambda: verification.return_to_member(w.efua, second, "Add the list."),
        lambda: logbook.submit(w.ama, second, w.association),
        lambda: verification.withdraw_verification(w.kwame, first, "In error."),
        lambda: logbook.submit(w.ama, first, w.association),
        lambda: verification.verify_many(w.efua, w.association, [first.id, second.id]),
        lambda: logbook.reopen(w.ama, second),
        lambda: verification.withdraw_verification(w.efua, first, "In error again."),
    ]
    for step in steps:
        step()
        db.session.commit()
        assert_rollups_true()
    assert rollups.stored() == {}
