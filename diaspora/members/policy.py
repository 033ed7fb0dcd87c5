"""Members' own records: a member sees and changes only their own. Another member's record
answers 404, never 403, so its existence is not revealed."""

from diaspora.core.access import object_kind
from diaspora.extensions import db
from diaspora.members.models import Availability, Credential

OWN_ACTIONS = {"view", "change"}


def owns(user, action: str, record) -> bool:
    return getattr(user, "is_authenticated", False) and record.user_id == user.id


def declare_kinds() -> None:
    object_kind("credential", params=("credential_id",), can=owns, actions=OWN_ACTIONS,
                find=lambda credential_id: db.session.get(Credential, credential_id))
    object_kind("availability", params=("availability_id",), can=owns, actions=OWN_ACTIONS,
                find=lambda availability_id: db.session.get(Availability, availability_id))
