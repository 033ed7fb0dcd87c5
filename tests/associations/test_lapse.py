"""`flask memberships update`: lapses and renewal reminders, idempotent for cron."""

import contextvars
from datetime import timedelta

import pytest

from diaspora.associations import commands
from diaspora.core.time import long_date, today
from tests.associations.support import fresh, texts_to, world
from tests.factories import MembershipFactory
from tests.helpers import audit_actions


@pytest.fixture
def run_update(app):
    """Runs the command as cron would: in its own app context and database session."""

    def run():
        runner = app.test_cli_runner()
        result = contextvars.Context().run(runner.invoke, args=["memberships", "update"])
        assert result.exit_code == 0, result.output
        return result

    return run


def _membership(w, email, *, days, status="active", **kwargs):
    return MembershipFactory(association=w.mine, membership_type=w.type, status=status, user__email=email,
                             user__name=email.split("@")[0].title(),
                             renews_on=today() + timedelta(days=days) if days is not None else None, **kwargs)


def test_the_update_lapses_and_reminds_once(run_update, db, smtp_server):
    w = world()
    overdue = _membership(w, "overdue@example.org", days=-1)
    due_soon = _membership(w, "soon@example.org", days=10)
    due_today = _membership(w, "today@example.org", days=0)
    edge = _membership(w, "edge@example.org", days=30)
    later = _membership(w, "later@example.org", days=31)
    no_expiry = _membership(w, "forever@example.org", days=None)
    suspended = _membership(w, "suspended@example.org", days=-5, status="suspended")
    already_reminded = _membership(w, "reminded@example.org", days=5)
    already_reminded.reminder_sent_for = already_reminded.renews_on
    db.session.commit()
    version_before = overdue.version

    first = run_update()

    assert "1 membership lapsed, 3 renewal reminders sent." in first.stdout
    assert fresh(overdue).status == "lapsed"
    text = texts_to(smtp_server, "overdue@example.org")[0]
    assert f"Your membership of Ghana Nurses UK lapsed on {long_date(today() - timedelta(days=1))}" in text
    for membership in (due_soon, due_today, edge):
        membership = fresh(membership)
        assert membership.status == "active" and membership.reminder_sent_for == membership.renews_on
        mail = smtp_server.last_to(membership.user.email)
        renews = long_date(membership.renews_on)
        assert mail["Subject"] == f"Your membership of Ghana Nurses UK renews on {renews}"
        assert f"Your membership of Ghana Nurses UK renews on {renews}." in texts_to(
            smtp_server, membership.user.email)[0]
        assert audit_actions(membership) == ["membership.reminder_sent"]
    for untouched, status in ((later, "active"), (no_expiry, "active"), (suspended, "suspended"),
                              (already_reminded, "active")):
        assert smtp_server.to(untouched.user.email) == []
        assert fresh(untouched).status == status and audit_actions(untouched) == []
    assert audit_actions(overdue) == ["membership.lapsed"]
    assert fresh(overdue).version == version_before + 1  # saved like any other change
    sent = len(smtp_server.messages)
    assert sent == 4

    second = run_update()

    assert "0 memberships lapsed, 0 renewal reminders sent." in second.stdout
    assert len(smtp_server.messages) == sent
    assert audit_actions(overdue) == ["membership.lapsed"]
    assert audit_actions(due_soon) == ["membership.reminder_sent"]


def test_a_reminder_is_kept_per_renewal_date(run_update, db, smtp_server):
    """A member reminded for last period's date, since renewed, is reminded for the new date."""
    w = world()
    member = _membership(w, "renewed@example.org", days=12)
    member.reminder_sent_for = today() - timedelta(days=20)
    db.session.commit()
    run_update()
    run_update()
    assert len(smtp_server.to("renewed@example.org")) == 1
    assert fresh(member).reminder_sent_for == today() + timedelta(days=12)


def test_a_long_run_shows_its_progress(run_update, db, smtp_server, monkeypatch):
    monkeypatch.setattr(commands, "PROGRESS_EVERY", 2)
    w = world()
    for number in range(3):
        _membership(w, f"overdue{number}@example.org", days=-2)
    result = run_update()
    assert "] 2 of 3" in result.stderr and "] 3 of 3" in result.stderr and "Lapsing:" in result.stderr
    assert "3 memberships lapsed, 0 renewal reminders sent." in result.stdout
