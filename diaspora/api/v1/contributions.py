"""Contributions through the API: a member's own (log drafts, change them, attach evidence,
send them for verification, withdraw them, read their status and their portfolio's totals);
an association's officers' verification queue and decisions, missions and impact. Every route
calls the service its page calls (contributions/: logbook/logbook.py, logbook/portfolio.py,
verification/verification.py, missions/missions.py, impact/impact.py): the rules are theirs."""

from flask import request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response
from sqlalchemy.orm import joinedload, selectinload

from diaspora.api.v1 import models
from diaspora.api.v1.document import describe
from diaspora.api.v1.support import (
    IsoDate,
    PageQuery,
    StrictModel,
    api,
    args,
    body,
    form,
    if_match,
    keyset_page,
    new_blueprint,
    page_model,
    with_etag,
)
from diaspora.contributions.impact import impact
from diaspora.contributions.logbook import logbook, portfolio
from diaspora.contributions.missions import missions
from diaspora.contributions.models import MISSION_STATES, Contribution, ContributionEvidence
from diaspora.contributions.proof.public_proof_views import link_of
from diaspora.contributions.verification import verification
from diaspora.core.access import loads, plain, token_required
from diaspora.core.problems import Problem

bp = new_blueprint("api_v1_contributions")
TAG = "Contributions"
OFFICERS_TAG = "Verification, missions and impact"
ContributionPage = page_model(models.Contribution)
MissionPage = page_model(models.Mission)


# ---------------------------------------------------------------------------- shapes


def _association(association) -> models.AssociationRef | None:
    if association is None:
        return None
    return models.AssociationRef(id=association.id, slug=association.slug, name=association.name)


def contribution_out(contribution) -> models.Contribution:
    own = contribution.user_id == current_user.id
    evidence = [models.Evidence(id=e.id, filename=e.file.filename, content_type=e.file.content_type, size=e.file.size)
                for e in contribution.evidence]
    return models.Contribution(
        **{name: getattr(contribution, name) for name in logbook.FIELDS},
        id=contribution.id, kind_label=contribution.kind_label, status=contribution.status,
        status_label=contribution.status_label, association=_association(contribution.association),
        member=None if own or contribution.user is None else models.Person(id=contribution.user.id,
                                                                          name=contribution.user.name),
        return_reason=contribution.return_reason, submitted_at=contribution.submitted_at,
        verified_at=contribution.verified_at, evidence=evidence, version=contribution.version,
        public_link=link_of(contribution) if own and contribution.is_public else None)


def _with_evidence(query):
    """Each contribution's evidence in one more statement (not one per contribution)."""
    return query.options(selectinload(Contribution.evidence).joinedload(ContributionEvidence.file))


def _answer(contribution, status: int = 200):
    fresh = logbook.contribution_with_evidence(contribution.id)
    return with_etag(contribution_out(fresh), fresh, status)


# ---------------------------------------------------------------------------- a member's own


class PortfolioQuery(PageQuery):
    kind: models.KindName | None = None
    status: models.ContributionStatusName | None = None
    country: str | None = Field(None, pattern="^[A-Za-z]{2}$")
    starts: IsoDate | None = Field(None, alias="from", description="Contributions that started on this day or later.")
    ends: IsoDate | None = Field(None, alias="to", description="Contributions that started on this day or earlier.")


def _filters() -> portfolio.Filters:
    query = args()
    return portfolio.Filters(kind=query.kind, status=query.status, country=(query.country or "").upper() or None,
                             starts=query.starts, ends=query.ends)


@bp.get("/contributions")
@token_required("contributions:read")
@describe(paged=True)
@api.validate(query=PortfolioQuery, resp=Response(HTTP_200=ContributionPage), tags=[TAG])
def my_contributions():
    """List your contributions

    Your portfolio, newest first (by first day), filtered as on the portfolio page."""
    query = _with_evidence(portfolio.for_listing(portfolio.contributions_of(current_user.id, _filters())))
    return keyset_page(query, portfolio.NEWEST_FIRST, ContributionPage, contribution_out,
                       after=args().after, per_page=args().per_page)


@bp.get("/contributions/totals")
@token_required("contributions:read")
@describe()
@api.validate(query=PortfolioQuery, resp=Response(HTTP_200=models.PortfolioTotals), tags=[TAG])
def totals():
    """Your portfolio's totals

    What the portfolio page adds up, for the same filters: everything you logged but what you
    withdrew, and the verified contributions only."""
    filters = _filters()

    def shaped(found: portfolio.Totals) -> models.Totals:
        return models.Totals(contributions=found.contributions, hours=found.hours, people_trained=found.people_trained,
                             patients_reached=found.patients_reached, cpd_points=found.cpd_points,
                             countries=found.countries, by_kind=found.by_kind,
                             by_year={str(year): number for year, number in found.by_year.items()})

    every, verified = portfolio.both_totals(current_user.id, filters)
    return models.PortfolioTotals(all=shaped(every), verified=shaped(verified))


@bp.post("/contributions")
@token_required("contributions:write")
@describe(etag=True)
@api.validate(json=models.ContributionIn, resp=Response(HTTP_201=models.Contribution), tags=[TAG])
def log():
    """Log a contribution

    Saved as a draft, as the form saves it; send it for verification when it is ready."""
    made = logbook.log(current_user, body().model_dump())
    return _answer(made, 201)


@bp.get("/contributions/<int:contribution_id>")
@token_required("contributions:read", services=True)
@loads(contribution="view")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Contribution), tags=[TAG])
def show(contribution):
    """Read a contribution

    Yours, or, for an officer of the association it was sent to, one sent for verification.
    Its ETag is its version: send it back in If-Match to change it."""
    return _answer(contribution)


@bp.patch("/contributions/<int:contribution_id>")
@token_required("contributions:write")
@loads(contribution="change")
@describe(if_match="required", etag=True)
@api.validate(json=models.ContributionChange, resp=Response(HTTP_200=models.Contribution), tags=[TAG])
def change(contribution):
    """Change a contribution

    A draft, a returned or a withdrawn one: the fields sent replace what is saved (send null to
    empty one), the others stay."""
    version = if_match(contribution)
    values = {name: getattr(contribution, name) for name in logbook.FIELDS}
    values.update(body().model_dump(exclude_unset=True))
    logbook.update(current_user, contribution, values, version)
    return _answer(contribution)


class EvidenceForm(StrictModel):
    file: api.model_adapter.basefile


@bp.post("/contributions/<int:contribution_id>/evidence")
@token_required("contributions:write")
@loads(contribution="change")
@describe(if_match="required", etag=True)
@api.validate(form=EvidenceForm, resp=Response(HTTP_201=models.Contribution), tags=[TAG])
def attach(contribution):
    """Attach evidence

    A file (PDF, PNG or JPEG, up to 5 MB; at most 5 per contribution) sent as
    multipart/form-data in the field `file`, to a contribution you may still change."""
    upload = form().file
    if not getattr(upload, "filename", None):
        raise Problem(422, errors=[{"field": "file", "detail": str(_choose_file())}], kind="invalid-field")
    version = if_match(contribution)
    values = {name: getattr(contribution, name) for name in logbook.FIELDS}
    logbook.update(current_user, contribution, values, version, [upload])
    return _answer(contribution, 201)


def _choose_file() -> str:
    from diaspora.core.i18n import _

    return _("Choose a file to attach.")


@bp.delete("/contributions/<int:contribution_id>/evidence/<int:evidence_id>")
@token_required("contributions:write")
@loads(contribution="change", contribution_evidence="change")
@describe(if_match="optional", etag=True)
@api.validate(resp=Response(HTTP_200=models.Contribution), tags=[TAG])
def remove_evidence(contribution, contribution_evidence):
    """Remove a file of evidence"""
    if_match(contribution, required=False)
    logbook.remove_evidence(current_user, contribution, contribution_evidence)
    return _answer(contribution)


@bp.post("/contributions/<int:contribution_id>/submit")
@token_required("contributions:write")
@loads(contribution="change")
@describe(if_match="optional", etag=True)
@api.validate(json=models.SubmitIn, resp=Response(HTTP_200=models.Contribution), tags=[TAG])
def submit(contribution):
    """Send a contribution for verification

    To one of the associations you are an active member of; its officers are told, and you
    are emailed their decision."""
    version = if_match(contribution, required=False)
    chosen = next((a for a in logbook.associations_to_verify(current_user) if a.id == body().association_id), None)
    logbook.submit(current_user, contribution, chosen, version)
    return _answer(contribution)


@bp.post("/contributions/<int:contribution_id>/withdraw")
@token_required("contributions:write")
@loads(contribution="change")
@describe(if_match="optional", etag=True)
@api.validate(resp=Response(HTTP_200=models.Contribution), tags=[TAG])
def withdraw(contribution):
    """Withdraw a contribution

    A draft, or one awaiting verification: you can change it and send it again, or delete it."""
    if_match(contribution, required=False)
    logbook.withdraw(current_user, contribution)
    return _answer(contribution)


# ---------------------------------------------------------------------------- officers


@bp.get("/associations/<slug>/verification")
@token_required("contributions:read", services=True)
@loads(association="manage")
@describe(paged=True)
@api.validate(query=PageQuery, resp=Response(HTTP_200=ContributionPage), tags=[OFFICERS_TAG])
def queue(association):
    """The verification queue

    What the association's members sent for verification, oldest first."""
    found = _with_evidence(verification.queue_of(association).options(joinedload(Contribution.association)))
    return keyset_page(found, verification.QUEUE_ORDER, ContributionPage, contribution_out,
                       after=args().after, per_page=args().per_page)


@bp.post("/contributions/<int:contribution_id>/verify")
@token_required("contributions:write", services=True)
@loads(contribution="verify")
@describe(if_match="optional", etag=True)
@api.validate(resp=Response(HTTP_200=models.Contribution), tags=[OFFICERS_TAG])
def verify(contribution):
    """Verify a contribution

    The member is emailed; its public link and its credential begin. Nobody verifies their own."""
    if_match(contribution, required=False)
    verification.verify(current_user, contribution)
    return _answer(contribution)


@bp.post("/contributions/<int:contribution_id>/return")
@token_required("contributions:write", services=True)
@loads(contribution="verify")
@describe(if_match="optional", etag=True)
@api.validate(json=models.ReturnIn, resp=Response(HTTP_200=models.Contribution), tags=[OFFICERS_TAG])
def return_it(contribution):
    """Return a contribution with a reason

    The member is emailed the reason, in their language, and can change it and send it again."""
    if_match(contribution, required=False)
    verification.return_to_member(current_user, contribution, body().reason)
    return _answer(contribution)


def mission_out(mission, team: list | None = None) -> models.Mission:
    return models.Mission(id=mission.id, title=mission.title, country=mission.country, region=mission.region,
                          facility=mission.facility, starts_on=mission.starts_on, ends_on=mission.ends_on,
                          status=mission.status, status_label=MISSION_STATES.label(mission.status),
                          version=mission.version,
                          team=None if team is None else [models.Person(id=place.user_id, name=place.user.name)
                                                           for place in team if place.user is not None])


@bp.get("/associations/<slug>/missions")
@token_required("contributions:read", services=True)
@loads(association="manage")
@describe(paged=True)
@api.validate(query=PageQuery, resp=Response(HTTP_200=MissionPage), tags=[OFFICERS_TAG])
def mission_list(association):
    """The association's missions, newest first"""
    return keyset_page(missions.missions_of(association), missions.NEWEST_FIRST, MissionPage, mission_out,
                       after=args().after, per_page=args().per_page)


@bp.get("/associations/<slug>/missions/<int:mission_id>")
@token_required("contributions:read", services=True)
@loads(association="view", mission="view")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Mission), tags=[OFFICERS_TAG])
def mission(association, mission):
    """Read a mission, with its team"""
    return with_etag(mission_out(mission, missions.team_of(mission)), mission)


@bp.post("/associations/<slug>/missions/<int:mission_id>/<any(start,complete,cancel):action>")
@token_required("contributions:write", services=True)
@loads(association="view", mission="manage")
@plain("action")
@describe(if_match="optional", etag=True)
@api.validate(resp=Response(HTTP_200=models.Mission), tags=[OFFICERS_TAG])
def move_mission(association, mission, action):
    """Start, complete or cancel a mission

    On its calendar: it starts on its first day at the earliest, and is completed on its last."""
    if_match(mission, required=False)
    missions.move(current_user, mission, action)
    return with_etag(mission_out(mission, missions.team_of(mission)), mission)


class ImpactQuery(BaseModel):
    first: str | None = Field(None, alias="from", pattern="^[0-9]{4}-[0-9]{2}$",
                              description="The first month, like 2026-01.")
    last: str | None = Field(None, alias="to", pattern="^[0-9]{4}-[0-9]{2}$",
                             description="The last month, like 2026-12.")

    model_config = ConfigDict(extra="ignore")


@bp.get("/associations/<slug>/impact")
@token_required("contributions:read", services=True)
@loads(association="manage")
@describe()
@api.validate(query=ImpactQuery, resp=Response(HTTP_200=models.Impact), tags=[OFFICERS_TAG])
def impact_of(association):
    """The association's impact

    Its verified contributions added up (the last 12 months, or `from` and `to` as YYYY-MM),
    with what the impact page shows: the trend, and the breakdowns by kind, country and region."""
    period, problems = impact.Period.from_args(request.args)
    found = impact.impact_of(association.id, period)

    def row(item) -> models.ImpactRow:
        key = item.key if not isinstance(item.key, tuple) else "-".join(item.key)
        m = item.measures
        return models.ImpactRow(key=str(key), label=str(item.label), measures=models.Measures(
            contributions=m.contributions, hours=m.hours, people_trained=m.people_trained,
            patients_reached=m.patients_reached))

    t = found.totals
    return models.Impact(
        first_month=period.first.strftime("%Y-%m"), last_month=period.last.strftime("%Y-%m"),
        totals=models.Measures(contributions=t.contributions, hours=t.hours, people_trained=t.people_trained,
                               patients_reached=t.patients_reached),
        trend=[row(r) for r in found.trend], by_kind=[row(r) for r in found.by_kind],
        by_country=[row(r) for r in found.by_country], by_region=[row(r) for r in found.by_region],
        notes=[str(problem) for problem in problems])

