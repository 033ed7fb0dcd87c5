"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from diaspora.api.models import ApiToken  # noqa: F401
from diaspora.associations.models import (  # noqa: F401
    Association,
    AssociationCount,
    AssociationHeritageCountry,
    Invitation,
    MemberImport,
    Membership,
    MembershipType,
)
from diaspora.auth.models import User  # noqa: F401
from diaspora.contributions.models import (  # noqa: F401
    Contribution,
    ContributionEvidence,
    ContributionRollup,
    CountryRollup,
    Mission,
    MissionMember,
    Partnership,
)
from diaspora.core.models import AuditEvent, OutboxMessage, PlatformCount, StoredFile  # noqa: F401
from diaspora.desks.models import (  # noqa: F401  # noqa: F401
    CallMatch,
    CannedReply,
    Desk,
    DeskCalendarDay,
    DeskOfficer,
    DeskReminder,
    DeskRoute,
    DisclosedCount,
    DisclosureBlock,
    EngagementCount,
    Mou,
    Submission,
    SubmissionAttachment,
    SubmissionCount,
    SubmissionEvent,
    SubmissionSequence,
    SubmissionTiming,
    SupportCall,
)
from diaspora.licensure.models import (  # noqa: F401
    CpdActivity,
    Licence,
    LicenceFeed,
    LicenceReminder,
    LicenceSharing,
    Regulator,
    SafeguardCountry,
    SharedLicence,
    SharedLicenceCount,
)
from diaspora.members.models import (  # noqa: F401
    Availability,
    Credential,
    DeskSharingConsent,
    Profile,
    ProfileHeritageCountry,
    ProfileLanguage,
    ProfileSkill,
    Skill,
)
from diaspora.webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: F401
