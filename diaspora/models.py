"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from diaspora.associations.models import Association, Membership  # noqa: F401
from diaspora.auth.models import User  # noqa: F401
from diaspora.core.models import AuditEvent, OutboxMessage  # noqa: F401
from diaspora.desks.models import Desk, DeskOfficer  # noqa: F401
