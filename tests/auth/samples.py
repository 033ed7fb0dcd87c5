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
