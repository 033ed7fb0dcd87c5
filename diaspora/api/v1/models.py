"""The v1 API's request and response bodies (pydantic models). The OpenAPI document's schemas
are generated from these; request bodies mirror the pages' forms (the same bounds), so a value
a form refuses is refused here too, beside its field."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from diaspora.api.v1.support import OutModel, StrictModel, UtcDateTime
from diaspora.associations.models import MEMBERSHIP_STATES
from diaspora.contributions.models import CONTRIBUTION_STATES, KINDS, MISSION_STATES, MODES
from diaspora.core.ids import MAX_ID
from diaspora.desks.models import SUBMISSION_STATES, TOPICS
from diaspora.licensure.units import ACTIVITY_UNITS
from diaspora.members.models import CADRES, RETURN_HORIZONS, RETURN_INTERESTS

KindName = Literal[tuple(KINDS)]  # type: ignore[valid-type]
ModeName = Literal[tuple(MODES)]  # type: ignore[valid-type]
ContributionStatusName = Literal[tuple(str(s) for s in CONTRIBUTION_STATES.values)]  # type: ignore[valid-type]
SubmissionStatusName = Literal[tuple(str(s) for s in SUBMISSION_STATES.values)]  # type: ignore[valid-type]
MembershipStatusName = Literal[tuple(str(s) for s in MEMBERSHIP_STATES.values)]  # type: ignore[valid-type]
MissionStatusName = Literal[tuple(str(s) for s in MISSION_STATES.values)]  # type: ignore[valid-type]
TopicName = Literal[tuple(TOPICS)]  # type: ignore[valid-type]
CadreName = Literal[tuple(CADRES)]  # type: ignore[valid-type]
UnitName = Literal[tuple(str(unit.value) for unit in ACTIVITY_UNITS)]  # type: ignore[valid-type]



def country(default: Any = ...) -> Any:
    return Field(default, pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2, like GH.")


def text() -> Any:
    return Field(None, max_length=5000)


# ---------------------------------------------------------------------------- shared


class Named(OutModel):
    id: int
    name: str


class AssociationRef(OutModel):
    id: int
    slug: str
    name: str


class Link(OutModel):
    href: str


# ---------------------------------------------------------------------------- members


class Profile(OutModel):
    cadre: str | None
    specialty: str | None
    host_country: str | None
    host_city: str | None
    return_interest: str | None
    return_horizon: str | None
    directory_consent: bool
    heritage_countries: list[str]
    languages: list[str]
    skills: list[str]
    updated_at: UtcDateTime | None
    version: int


class Me(OutModel):
    """The token's owner, as their account and profile pages show them."""

    id: int
    name: str
    email: str
    locale: str
    two_factor: bool
    profile: Profile | None


class ProfileChange(StrictModel):
    """The fields to change, as the profile form takes them; the others keep what is saved."""

    cadre: CadreName | None = None
    specialty: str | None = Field(None, max_length=120)
    host_country: str | None = country(None)
    host_city: str | None = Field(None, max_length=120)
    heritage_countries: list[Annotated[str, Field(pattern="^[A-Z]{2}$")]] | None = Field(
        None, min_length=1, max_length=50)
    languages: list[Annotated[str, Field(pattern="^[a-z]{3}$")]] | None = Field(
        None, max_length=50, description="ISO 639-3 codes, like eng, twi.")
    skills: list[Annotated[str, Field(min_length=1, max_length=80)]] | None = Field(None, max_length=30)
    return_interest: Literal[tuple(RETURN_INTERESTS)] | None = None  # type: ignore[valid-type]
    return_horizon: Literal[tuple(RETURN_HORIZONS)] | None = None  # type: ignore[valid-type]


class Membership(OutModel):
    id: int
    association: AssociationRef
    role: Literal["member", "officer"]
    status: MembershipStatusName
    status_label: str
    membership_type: str | None
    joined_on: date | None
    renews_on: date | None


class DirectoryEntry(OutModel):
    """A member as the directory shows them: officers also see the email, status, role,
    membership type and renewal date (null for everyone else)."""

    membership_id: int
    name: str
    cadre: str | None
    specialty: str | None
    heritage_countries: list[str]
    skills: list[str]
    email: str | None = None
    status: MembershipStatusName | None = None
    role: Literal["member", "officer"] | None = None
    membership_type: str | None = None
    renews_on: date | None = None


class Application(OutModel):
    membership_id: int
    name: str
    email: str
    membership_type: str | None
    applied_at: UtcDateTime
    status: MembershipStatusName
    version: int


class RejectIn(StrictModel):
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class Decided(OutModel):
    membership_id: int
    status: MembershipStatusName
    message: str


# ---------------------------------------------------------------------------- contributions


class Evidence(OutModel):
    id: int
    filename: str
    content_type: str
    size: int


class Person(OutModel):
    id: int
    name: str


class Contribution(OutModel):
    id: int
    kind: KindName
    kind_label: str
    title: str
    description: str | None
    country: str | None
    region: str | None
    partner: str | None
    starts_on: date | None
    ends_on: date | None
    hours: float | None
    participatory_hours: float | None
    mode: ModeName | None
    people_trained: int | None
    patients_reached: int | None
    supplies_value: int | None
    currency: str | None
    cpd_points: float | None
    reflection: str | None
    status: ContributionStatusName
    status_label: str
    association: AssociationRef | None
    member: Person | None = Field(description="Who logged it: for the association's officers (null for the member).")
    return_reason: str | None
    submitted_at: UtcDateTime | None
    verified_at: UtcDateTime | None
    public_link: str | None = Field(description="The proof page, while the link works (the member's only).")
    evidence: list[Evidence]
    version: int


class ContributionIn(StrictModel):
    """A contribution, as its form takes it."""

    kind: KindName
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    description: str | None = text()
    country: str | None = country(None)
    region: str | None = Field(None, max_length=10, description="ISO 3166-2, like GH-AA, in `country`.")
    partner: str | None = Field(None, max_length=200)
    starts_on: date
    ends_on: date | None = None
    hours: float | None = Field(None, ge=0, le=10_000)
    participatory_hours: float | None = Field(None, ge=0, le=10_000)
    mode: ModeName | None = None
    people_trained: int | None = Field(None, ge=0, le=10_000_000)
    patients_reached: int | None = Field(None, ge=0, le=10_000_000)
    supplies_value: int | None = Field(None, ge=0, le=10_000_000)
    currency: str | None = Field(None, pattern="^[A-Z]{3}$", description="ISO 4217, like GHS.")
    cpd_points: float | None = Field(None, ge=0, le=1000)
    reflection: str | None = text()


class ContributionChange(StrictModel):
    """The fields to change; the others keep what is saved."""

    kind: KindName | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = text()
    country: str | None = country(None)
    region: str | None = Field(None, max_length=10)
    partner: str | None = Field(None, max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    hours: float | None = Field(None, ge=0, le=10_000)
    participatory_hours: float | None = Field(None, ge=0, le=10_000)
    mode: ModeName | None = None
    people_trained: int | None = Field(None, ge=0, le=10_000_000)
    patients_reached: int | None = Field(None, ge=0, le=10_000_000)
    supplies_value: int | None = Field(None, ge=0, le=10_000_000)
    currency: str | None = Field(None, pattern="^[A-Z]{3}$")
    cpd_points: float | None = Field(None, ge=0, le=1000)
    reflection: str | None = text()


class SubmitIn(StrictModel):
    association_id: int = Field(ge=1, le=MAX_ID, description="One of the associations you are an active member of.")


class ReturnIn(StrictModel):
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S",
                        description="What the member should change (emailed).")


class Totals(OutModel):
    contributions: int
    hours: float
    people_trained: int
    patients_reached: int
    cpd_points: float
    countries: list[str]
    by_kind: dict[str, int]
    by_year: dict[str, int]


class PortfolioTotals(OutModel):
    """What the portfolio page adds up: everything but withdrawn, and the verified only."""

    all: Totals
    verified: Totals


class Mission(OutModel):
    id: int
    title: str
    country: str
    region: str | None
    facility: str | None
    starts_on: date
    ends_on: date
    status: MissionStatusName
    status_label: str
    team: list[Person] | None = None
    version: int


class Measures(OutModel):
    contributions: int
    hours: float
    people_trained: int
    patients_reached: int


class ImpactRow(OutModel):
    key: str
    label: str
    measures: Measures


class Impact(OutModel):
    """The association's verified contributions added up over the period (from its rollups)."""

    first_month: str
    last_month: str
    totals: Measures
    trend: list[ImpactRow]
    by_kind: list[ImpactRow]
    by_country: list[ImpactRow]
    by_region: list[ImpactRow]
    notes: list[str] = Field(description="What was left out of the request's period, in words.")


# ---------------------------------------------------------------------------- licences


class Regulator(OutModel):
    id: int
    country: str
    name: str
    short_name: str
    cpd_unit: str | None


class CpdProgress(OutModel):
    cycle_starts_on: date | None
    cycle_ends_on: date | None
    unit: str | None
    counted: float
    required: float | None
    missing: float | None
    percent: int | None
    not_counted: int


class Licence(OutModel):
    id: int
    regulator: Regulator
    registration_number: str
    category: str
    issued_on: date | None
    expires_on: date | None
    status: str
    status_label: str
    progress: CpdProgress
    version: int


class CpdActivity(OutModel):
    id: int
    title: str
    provider: str | None
    completed_on: date
    hours: float | None
    amount: float | None
    unit: str | None


class CpdActivityIn(StrictModel):
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    provider: str | None = Field(None, max_length=200)
    completed_on: date
    hours: float | None = Field(None, ge=0, le=1000)
    amount: float | None = Field(None, ge=0, le=1000)
    unit: UnitName | None = None


# ---------------------------------------------------------------------------- desks


class Event(OutModel):
    id: int
    kind: str
    status: SubmissionStatusName | None
    body: str | None
    author: str | None = Field(description="Who wrote it, as the page names them.")
    created_at: UtcDateTime


class Submission(OutModel):
    id: int
    reference: str
    country: str
    topic: TopicName
    topic_label: str
    title: str
    status: SubmissionStatusName
    status_label: str
    desk: Named | None
    association: AssociationRef | None
    submitter: str = Field(description="As the desk sees it: the association, a name, or that it is withheld.")
    answers: dict[str, str]
    outcome: str | None
    acknowledge_by: date | None
    answer_by: date | None
    assignee: Person | None = Field(description="For the desk's officers.")
    created_at: UtcDateTime
    timeline: list[Event] | None = Field(description="The submitter sees the public events; the desk sees all.")
    version: int


class SubmissionIn(StrictModel):
    country: str = country()
    topic: TopicName
    title: str = Field(min_length=1, max_length=200, pattern=r"\S")
    answers: dict[str, str | int] = Field(description="Each of the topic's questions, by name (see the site's form).")
    show_identity: bool = False
    association_id: int | None = Field(None, ge=1, le=MAX_ID, description="Send it for an association you run.")


class InformationIn(StrictModel):
    body: str = Field(min_length=1, max_length=5000, pattern=r"\S")


class ReplyIn(StrictModel):
    body: str = Field(min_length=1, max_length=5000, pattern=r"\S")


class NoteIn(StrictModel):
    note: str = Field(min_length=1, max_length=5000, pattern=r"\S")


class OutcomeIn(StrictModel):
    outcome: str | None = Field(None, max_length=5000, description="Required to resolve or close: emailed.")


class AssignIn(StrictModel):
    assignee_id: int | None = Field(description="An officer of the desk, or null for nobody.", ge=1, le=MAX_ID)


class QueueCounts(OutModel):
    counts: dict[str, int]


class Call(OutModel):
    id: int
    title: str
    description: str | None
    desk: Named
    country: str
    starts_on: date
    ends_on: date
    mode: str
    status: str


class Cell(OutModel):
    """A count as the dashboard shows it: `value` is null unless it is shown."""

    text: str
    value: int | None
    state: str


class TableRow(OutModel):
    label: str
    cells: list[Cell]


class Table(OutModel):
    slug: str
    title: str
    columns: list[str]
    rows: list[TableRow]
    total: list[Cell] | None
    withheld: str


class Engagement(OutModel):
    """The desk's engagement dashboard, under the same disclosure control as the page."""

    period: str
    threshold: int
    refreshed_at: UtcDateTime | None
    members: Cell
    tables: list[Table]
    median_working_days_to_acknowledge: float | None
    median_working_days_to_answer: float | None
    notes: list[str]


# ---------------------------------------------------------------------------- public


class Proof(OutModel):
    """A contribution's public verification page: only what its member chose to share."""

    valid: bool
    title: str | None
    kind: str | None
    contributor: str | None
    starts_on: date | None
    ends_on: date | None
    country: str | None
    region: str | None
    partner: str | None
    hours: float | None
    people_trained: int | None
    patients_reached: int | None
    description: str | None
    verified_by: str | None
    verified_on: date | None
    link: str


class CredentialIn(StrictModel):
    credential: str = Field(min_length=1, max_length=20_000, description="The credential as a VC-JWT.")


class CredentialCheck(OutModel):
    """`valid`: signed by the platform's key, within its dates, and not revoked."""

    valid: bool
    signed: bool
    revoked: bool | None
    reason: str | None
    id: str | None
    name: str | None
    issuer: str | None
    valid_from: str | None
    subject: str | None


class Index(OutModel):
    version: str
    openapi: str
    reference: str


class Anything(OutModel):
    model_config = {"extra": "allow"}

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
