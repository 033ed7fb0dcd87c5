"""What accounts contribute to the suite-wide tests (see tests/samples.py): the erasure scan's
person signs in with a second factor, so their recovery codes must go with them."""

from diaspora.auth import two_factor
from diaspora.auth.models import RecoveryCode
from diaspora.extensions import db
from tests.samples import Person, person_sample


@person_sample
def a_second_factor_with_recovery_codes(person: Person) -> None:
    two_factor.enrol_for_demo(person.user)
    db.session.flush()
    assert db.session.query(RecoveryCode).filter_by(user_id=person.user.id).count() == two_factor.RECOVERY_CODES


@person_sample
def someone_looked_at_their_data_and_they_at_someone_elses(person: Person) -> None:
    """An officer opened their membership record; they opened another member's, as an officer."""
    from diaspora.core import access_log
    from tests.factories import UserFactory

    access_log.note(person.officer, [(access_log.Read(person.user.id, "membership", "officer", "A"), None)])
    other = UserFactory()
    access_log.note(person.user, [(access_log.Read(other.id, "membership", "officer", "A"), None)])
