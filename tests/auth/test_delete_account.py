"""The delete-account page says what is erased and what stays, and why, from what each domain
registers about a person (core/personal_data.py); what it says stays does stay; the page after
deletion is in the person's language."""

import html

import sqlalchemy as sa

from diaspora.contributions.logbook import logbook
from diaspora.contributions.models import Contribution
from diaspora.contributions.verification import verification
from diaspora.core import personal_data
from diaspora.desks.models import Submission, SubmissionEvent
from diaspora.desks.submissions import submissions
from diaspora.desks.work import work
from diaspora.extensions import db
from tests.contributions.samples import values
from tests.factories import DEFAULT_PASSWORD, DeskFactory, DeskOfficerFactory, MembershipFactory, UserFactory


def _page(client) -> str:
    return " ".join(html.unescape(client.get("/account/delete").get_data(as_text=True)).split())


def test_the_page_says_what_is_erased_what_stays_and_why(client, login):
    login(UserFactory())
    page = _page(client)
    erased, kept = page.index("What is erased"), page.index("What stays, and why")
    assert erased < kept
    stays = page[kept:]
    assert "What you sent to a ministry desk stays with the desk, with no name, together with the desk’s " \
           "replies and notes: the desk needs its case record" in stays
    assert "Your verified contributions stay, without your name, what you wrote, their evidence or their " \
           "public link, so the totals" in stays
    assert "member counts stay true" in stays
    assert "the Open Badges credentials issued for them are revoked" in page[erased:kept]
    assert "Your name, email address and password: you can no longer log in." in page[erased:kept]
    assert "“Deleted member”" in stays and "audit trail" in stays


def test_every_entry_of_the_registry_says_what_erasure_does_to_it(client, login):
    """The page is made from the registry: a domain that registers a person's data says, for
    the person, what erasure removes or keeps, and the page shows it."""
    login(UserFactory())
    page = _page(client)
    for entry in personal_data.entries():
        assert entry.erased or entry.kept, f"{entry.name} says nothing of what erasure does to it"
        for line in (entry.erased, entry.kept):
            if line:
                assert " ".join(str(line).split()) in page, entry.name


def test_what_the_page_says_stays_does_stay(client, forms, login):
    member = UserFactory(name="Ngozi Okafor")
    officer = DeskOfficerFactory(desk=DeskFactory(country="NG")).user
    sent = submissions.send(member, country="NG", topic="barrier_report", title="Renewal needs a visit",
                            show_identity=True, answers={"barrier": "licensure", "what_happened": "Asked to travel",
                                                         "what_would_help": "Online renewal"})
    work.reply(officer, sent, "We have raised it with the council.", sent.version)
    work.note(officer, sent, "Follow up in March.", sent.version)
    membership = MembershipFactory(user=member)
    checker = MembershipFactory(association=membership.association, officer=True).user
    verified = logbook.log(member, values("Teaching triage", description="Two evenings online"))
    logbook.submit(member, verified, membership.association)
    verification.verify(checker, verified)
    db.session.commit()
    sent_id, verified_id = sent.id, verified.id

    login(member)
    assert forms.submit("/account/delete", {"password": DEFAULT_PASSWORD}).status_code == 302
    db.session.expire_all()
    case = db.session.get(Submission, sent_id)
    assert case.user_id is None and case.title == "" and case.answers == {}
    bodies = {event.kind: event.body for event in db.session.scalars(
        sa.select(SubmissionEvent).where(SubmissionEvent.submission_id == sent_id))}
    assert bodies["reply"] == "We have raised it with the council." and bodies["note"] == "Follow up in March."
    kept = db.session.get(Contribution, verified_id)
    assert kept.status == "verified" and kept.user_id is None and kept.description is None
    assert kept.hours == 2.5


def test_a_french_member_reads_the_page_after_deletion_in_french(client, forms, login):
    member = UserFactory(locale="fr")
    login(member)
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    response = forms.submit("/account/delete", {"password": DEFAULT_PASSWORD}, headers=english_browser)
    assert response.status_code == 302
    home = html.unescape(client.get(response.headers["Location"], headers=english_browser).get_data(as_text=True))
    assert '<html lang="fr">' in home
    assert "Votre compte a été supprimé. Nous vous avons envoyé un dernier e-mail pour le confirmer." in home
