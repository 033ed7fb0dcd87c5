from diaspora.core import audit, transaction
from diaspora.core.models import AuditEvent
from tests.factories import UserFactory


def test_an_event_records_actor_object_changes_and_address(app, db):
    actor, subject = UserFactory(), UserFactory(name="Old Name")
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        changes = audit.diff(subject, {"name": "New Name", "email": subject.email})
        audit.record("user.renamed", subject, actor=actor,
                     changes={**changes, "password": "must never be kept"})
        transaction.commit()
    event = db.session.scalar(db.select(AuditEvent))
    assert (event.actor_id, event.object_type, event.object_id) == (actor.id, "users", str(subject.id))
    assert event.changes == {"name": ["Old Name", "New Name"]}
    assert event.ip_address == "203.0.113.9"


def test_an_event_rolls_back_with_its_change(db):
    audit.record("user.something", UserFactory())
    transaction.rollback()
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0
