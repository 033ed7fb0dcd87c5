import sqlalchemy as sa

from diaspora.associations.models import Membership
from diaspora.core import audit, transaction
from diaspora.core.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory


def test_an_event_records_actor_object_subject_and_changes_without_secrets(app, db):
    actor, subject = UserFactory(), UserFactory(name="Old Name")
    with app.app_context():
        changes = audit.diff(subject, {"name": "New Name", "email": subject.email})
        audit.record("user.renamed", subject, actor=actor, changes={**changes, "password": "must never be kept"})
        transaction.commit()
    event = db.session.scalar(db.select(AuditEvent))
    assert (event.actor_id, event.object_type, event.object_id) == (actor.id, "users", str(subject.id))
    assert event.subject_id == subject.id
    assert event.changes == {"name": ["Old Name", "New Name"]}


def test_the_subject_of_a_record_is_its_person(app, db):
    membership = MembershipFactory()
    officer = UserFactory()
    with app.app_context():
        audit.record("membership.suspended", membership, actor=officer)
        audit.record("membership.lapsed", db.session.get(Membership, membership.id), actor=None)
        transaction.commit()
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.subject_id for e in events] == [membership.user_id, membership.user_id]
    assert [e.actor_id for e in events] == [officer.id, None]


def test_a_requests_events_carry_the_clients_address_and_cron_events_none(client, forms, db):
    user = UserFactory()
    forms.submit("/login", {"email": user.email, "password": "correct horse battery staple 42"},
                 environ_base={"REMOTE_ADDR": "203.0.113.9"})
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.logged_in"))
    assert event.ip_address == "203.0.113.9"


def test_an_event_rolls_back_with_its_change(db):
    audit.record("user.something", UserFactory(), actor=None)
    transaction.rollback()
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0
