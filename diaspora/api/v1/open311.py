"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), JSON only (no `.xml`: a `.xml` path is
a 404), for the systems a ministry's desk already runs (a case system, a city-style 311 client).

Three roots, each with the endpoints its reader may use, under the API's tokens and policies:

* a desk's, `/api/v1/desks/<id>/open311/v2/`: its services (the topics it takes), each service's
  definition, its requests (submissions) and one request by its reference. Its officers' and
  its service token's: a desk's token reads only its own desk, so only its country;
* a member's, `/api/v1/open311/v2/`, with `jurisdiction_id` = the country (ISO 3166-1
  alpha-2): every topic as a service, a new request (POST, a personal token with
  `desks:write`, sent as the submission form sends it, with the same choice whether the desk
  sees who sent it), and the member's own requests;
* an association's, `/api/v1/associations/<slug>/open311/v2/`: the requests the association
  sent (its officers and its service token).

Mapping: `service_code` = the topic; `service_request_id` = our reference (GH-2026-000123);
`status` open or closed (resolved, closed and withdrawn are closed); `status_notes` = the last
public reply; `agency_responsible` = the desk; `expected_datetime` = the answer-by day (working
days from the desk's calendar), at the end of that day, UTC. An Open311 `api_key` is our token,
sent as `Authorization: Bearer dhn_…` (never in the query string)."""

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel
from spectree import Response
from sqlalchemy.orm import selectinload

from diaspora.api.v1.document import describe
from diaspora.api.v1.support import OutModel, api, form, new_blueprint
from diaspora.core.access import loads, plain, token_required
from diaspora.core.countries import country_name
from diaspora.core.i18n import _
from diaspora.core.links import absolute
from diaspora.core.problems import Problem
from diaspora.core.statements import kept, one_of
from diaspora.core.time import utc_text
from diaspora.desks.models import ANY_TOPIC, OPEN_STATUSES, SUBMISSION_STATES, TOPICS, Desk, Submission, SubmissionEvent
from diaspora.desks.submissions import submissions
from diaspora.desks.submissions.topics import QUESTIONS
from diaspora.extensions import db

bp = new_blueprint("api_v1_open311")
TAG = "Open311 GeoReport v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MOST = 200  # requests.json answers at most this many, newest first (Open311 has no pages)
REFERENCE = r"[A-Z]{2}-[0-9]{4}-[0-9]{6}"
DATATYPES = {"text": "string", "long": "text", "choice": "singlevaluelist", "date": "datetime", "number": "number"}


# ---------------------------------------------------------------------------- shapes


class Service(OutModel):
    """A service: one of our topics."""

    service_code: str
    service_name: str
    description: str | None
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str | None
    group: str | None


class AttributeValue(OutModel):
    key: str
    name: str


class Attribute(OutModel):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue] = Field(description="The choices of a list (empty for other types).")


class ServiceDefinition(OutModel):
    """A topic's structured questions as Open311 attributes."""

    service_code: str
    attributes: list[Attribute]


class ServiceRequest(OutModel):
    """A submission as an Open311 service request."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class Created(OutModel):
    service_request_id: str
    service_notice: str | None
    account_id: str | None


class Endpoint(OutModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(OutModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Services(RootModel[list[Service]]):
    """The services (topics), as Open311's services.json."""


class Requests(RootModel[list[ServiceRequest]]):
    """Service requests, as Open311's requests.json (one request by id is a list of one)."""


class CreatedList(RootModel[list[Created]]):
    """The request just made: its reference."""


class JurisdictionQuery(BaseModel):
    jurisdiction_id: str = Field(pattern="^[A-Za-z]{2}$", description="The country: ISO 3166-1 alpha-2, like GH.")

    model_config = ConfigDict(extra="ignore")


def _strict_instant(value):
    """An instant as ISO 8601 text with its zone, nothing else (not a number of seconds)."""
    if isinstance(value, str) and not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})",
            value):
        raise ValueError("an instant is written like 2026-01-31T09:00:00Z")
    if not isinstance(value, str | datetime):
        raise ValueError("an instant is written like 2026-01-31T09:00:00Z")
    return value


Instant = Annotated[datetime, BeforeValidator(_strict_instant)]


class RequestsQuery(BaseModel):
    """Open311's filters: several ids at once, a service, a status, a window of request times."""

    service_request_id: str | None = Field(None, max_length=400, pattern=f"^{REFERENCE}(,{REFERENCE})*$",
                                           description="References, separated by commas.")
    service_code: str | None = Field(None, max_length=40, pattern="^[a-z_]+$")
    status: str | None = Field(None, pattern="^(open|closed)$")
    start_date: Instant | None = Field(None, description="Requested at or after (ISO 8601 with a zone).")
    end_date: Instant | None = Field(None, description="Requested before (ISO 8601 with a zone).")

    model_config = ConfigDict(extra="ignore")


class MemberRequestsQuery(RequestsQuery):
    jurisdiction_id: str | None = Field(None, pattern="^[A-Za-z]{2}$", description="The country (ISO 3166-1).")


class RequestIn(BaseModel):
    """A new request, as Open311 posts it (form-encoded): the answers to the topic's questions
    are `attribute[<code>]`, a title is `description`."""

    jurisdiction_id: str = Field(pattern="^[A-Za-z]{2}$", description="The country: ISO 3166-1 alpha-2.")
    service_code: str = Field(max_length=40, pattern="^[a-z_]+$", description="A topic (see services.json).")
    description: str = Field(min_length=1, max_length=200, pattern=r"\S",
                             description="A short title for the desk.")
    show_identity: bool = Field(False, description="Whether the desk sees who sent it (as on the form).")

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------- converting


def _utc(value: datetime | None) -> str | None:
    return utc_text(value) if value is not None else None


def _end_of(day: date | None) -> str | None:
    return None if day is None else _utc(datetime.combine(day, time(23, 59, 59)))


def service_of(topic: str) -> Service:
    questions = QUESTIONS[topic]
    return Service(service_code=topic, service_name=str(TOPICS[topic]),
                   description=str(_("A submission to a ministry's diaspora desk: %(topic)s.", topic=TOPICS[topic])),
                   metadata=bool(questions), type="realtime", keywords=topic.replace("_", ","), group="diaspora desk")


def definition_of(topic: str) -> ServiceDefinition:
    attributes = []
    for order, question in enumerate(QUESTIONS[topic], start=1):
        attributes.append(Attribute(
            variable=True, code=question.name, datatype=DATATYPES[question.kind], required=question.required,
            datatype_description=str(question.hint) if question.hint else (
                str(_("A day, YYYY-MM-DD.")) if question.kind == "date" else
                str(_("A whole number.")) if question.kind == "number" else None),
            order=order, description=str(question.label),
            values=[AttributeValue(key=key, name=str(label)) for key, label in question.choices.items()]
            if question.kind == "choice" else []))
    return ServiceDefinition(service_code=topic, attributes=attributes)


def request_of(submission, last_reply: str | None, agency: str | None, names: dict | None = None) -> ServiceRequest:
    """`submission`: a Submission, or a row of the columns a list reads (`_requests`); `last_reply`:
    the words of its last public reply (`_last_replies`); `agency`: its desk's name; `names`: the
    topics', statuses' and countries' names already worked out for a list (filled here)."""
    names = {} if names is None else names
    topic, status, country = submission.topic, submission.status, submission.country
    is_open = status in OPEN_STATUSES
    if (topic, status, country) not in names:
        names[topic, status, country] = (str(TOPICS.get(topic, topic)), str(SUBMISSION_STATES.label(status)),
                                         country_name(country))
    topic_name, status_name, country_label = names[topic, status, country]
    notes = last_reply or (submission.outcome if not is_open else None)
    return ServiceRequest(
        service_request_id=f"{country}-{submission.year}-{submission.number:06d}",
        status="open" if is_open else "closed", status_notes=(notes or None) and notes[:4000],
        service_name=topic_name, service_code=topic, description=submission.title, agency_responsible=agency,
        service_notice=status_name, requested_datetime=_utc(submission.created_at),
        updated_datetime=_utc(submission.updated_at),
        expected_datetime=_end_of(submission.answer_by) if is_open else None,
        address=country_label, address_id=None, zipcode=None, lat=None, long=None, media_url=None)


def _topic(code: str) -> str:
    if code not in QUESTIONS:
        raise Problem(404, _("No such service: see services.json."))
    return code


def _country(code: str) -> str:
    code = code.upper()
    if country_name(code) == code:
        raise Problem(404, _("No such jurisdiction: use a country's ISO 3166-1 code, like GH."))
    return code


def _desk_topics(desk) -> list[str]:
    taken = {route.topic for route in desk.routes}
    return list(TOPICS) if ANY_TOPIC in taken else [topic for topic in TOPICS if topic in taken]


def _filtered(query: sa.Select, filters) -> sa.Select:
    if filters.service_request_id:
        wanted = []
        for reference in filters.service_request_id.split(","):
            country, year, number = reference.split("-")
            wanted.append(sa.and_(Submission.country == country, Submission.year == int(year),
                                  Submission.number == int(number)))
        query = query.where(sa.or_(*wanted))
    if filters.service_code:
        query = query.where(Submission.topic == filters.service_code)
    if filters.status:
        is_open = Submission.status.in_([str(status) for status in OPEN_STATUSES])
        query = query.where(is_open if filters.status == "open" else sa.not_(is_open))
    for bound, compare in ((filters.start_date, "__ge__"), (filters.end_date, "__lt__")):
        if bound is not None:
            naive = bound.astimezone(UTC).replace(tzinfo=None) if bound.tzinfo else bound
            query = query.where(getattr(Submission.created_at, compare)(naive))
    return query


def _requests(query: sa.Select, filters) -> Requests:
    """Up to `MOST` requests, newest first, read as the columns a request shows (plain rows, with
    the desk's name), not whole submissions."""
    rows = db.session.execute(_filtered(query, filters).with_only_columns(
        Submission.id, Submission.country, Submission.year, Submission.number, Submission.status,
        Submission.outcome, Submission.topic, Submission.title, Submission.created_at, Submission.updated_at,
        Submission.answer_by, Desk.name.label("desk_name"))
        .outerjoin(Desk, Desk.id == Submission.desk_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc()).limit(MOST)).all()
    replies, names = _last_replies([row.id for row in rows]), {}
    return Requests([request_of(row, replies.get(row.id), row.desk_name, names) for row in rows])


def _last_replies(ids: list[int]) -> dict[int, str]:
    """The words of each submission's last public reply (a status note), in one statement: not
    every event of up to 200 submissions as objects."""
    if not ids:
        return {}
    return dict(db.session.execute(kept("open311_last_replies", _last_replies_statement), {"ids": ids}).all())


def _last_replies_statement() -> sa.Select:
    event = SubmissionEvent
    last = (sa.select(sa.func.max(event.id)).where(one_of(event.submission_id, "ids"), event.kind == "reply",
                                                   event.body.is_not(None), event.body != "")
            .group_by(event.submission_id))
    return sa.select(event.submission_id, event.body).where(event.id.in_(last))


def _one(query: sa.Select, reference: str) -> ServiceRequest:
    country, _sep, rest = reference.partition("-")
    year, _sep, number = rest.partition("-")
    if not (year.isdigit() and number.isdigit() and len(number) == 6 and len(year) == 4):
        raise Problem(404)
    found = db.session.scalar(query.where(Submission.country == country, Submission.year == int(year),
                                          Submission.number == int(number)).options(selectinload(Submission.desk)))
    if found is None:
        raise Problem(404)
    agency = found.desk.name if found.desk else None
    return Requests([request_of(found, _last_replies([found.id]).get(found.id), agency)])


def _discovery(endpoint: str, **values) -> Discovery:
    base = absolute(endpoint, **values).removesuffix("services.json")
    return Discovery(changeset="2026-12-05T00:00:00Z", contact=str(_("The desk's officers, through the site.")),
                     key_service=str(_("Make an access token on the site (Authorization: Bearer dhn_…).")),
                     endpoints=[Endpoint(specification=SPECIFICATION, url=base, changeset="2026-12-05T00:00:00Z",
                                         type="production", formats=["application/json"])])


# ---------------------------------------------------------------------------- a desk's root


@bp.get("/desks/<int:desk_id>/open311/v2/discovery.json")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe()
@api.validate(resp=Response(HTTP_200=Discovery), tags=[TAG])
def desk_discovery(desk):
    """Open311 discovery for a desk"""
    return _discovery("api_v1_open311.desk_services", desk_id=desk.id)


@bp.get("/desks/<int:desk_id>/open311/v2/services.json")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe()
@api.validate(resp=Response(HTTP_200=Services), tags=[TAG])
def desk_services(desk):
    """The desk's services: the topics it takes"""
    return Services([service_of(topic) for topic in _desk_topics(desk)])


@bp.get("/desks/<int:desk_id>/open311/v2/services/<service_code>.json")
@token_required("desks:read", services=True)
@loads(desk="work")
@plain("service_code")
@describe()
@api.validate(resp=Response(HTTP_200=ServiceDefinition), tags=[TAG])
def desk_definition(desk, service_code):
    """A service's definition: the topic's questions as attributes"""
    return definition_of(_topic(service_code))


@bp.get("/desks/<int:desk_id>/open311/v2/requests.json")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe()
@api.validate(query=RequestsQuery, resp=Response(HTTP_200=Requests), tags=[TAG])
def desk_requests(desk):
    """The desk's requests (its submissions), newest first: at most 200"""
    return _requests(sa.select(Submission).where(Submission.desk_id == desk.id), request.context.query)


@bp.get("/desks/<int:desk_id>/open311/v2/requests/<service_request_id>.json")
@token_required("desks:read", services=True)
@loads(desk="work")
@plain("service_request_id")
@describe()
@api.validate(resp=Response(HTTP_200=Requests), tags=[TAG])
def desk_request(desk, service_request_id):
    """One of the desk's requests, by its reference"""
    return _one(sa.select(Submission).where(Submission.desk_id == desk.id), service_request_id)


# ---------------------------------------------------------------------------- a member's root


@bp.get("/open311/v2/discovery.json")
@token_required("desks:read")
@describe()
@api.validate(resp=Response(HTTP_200=Discovery), tags=[TAG])
def discovery():
    """Open311 discovery for members"""
    return _discovery("api_v1_open311.services")


@bp.get("/open311/v2/services.json")
@token_required("desks:read")
@describe()
@api.validate(query=JurisdictionQuery, resp=Response(HTTP_200=Services), tags=[TAG])
def services():
    """The services of a country's desk: every topic"""
    _country(request.context.query.jurisdiction_id)
    return Services([service_of(topic) for topic in TOPICS])


@bp.get("/open311/v2/services/<service_code>.json")
@token_required("desks:read")
@plain("service_code")
@describe()
@api.validate(query=JurisdictionQuery, resp=Response(HTTP_200=ServiceDefinition), tags=[TAG])
def definition(service_code):
    """A service's definition"""
    _country(request.context.query.jurisdiction_id)
    return definition_of(_topic(service_code))


@bp.get("/open311/v2/requests.json")
@token_required("desks:read")
@describe()
@api.validate(query=MemberRequestsQuery, resp=Response(HTTP_200=Requests), tags=[TAG])
def my_requests():
    """Your requests (your submissions), newest first: at most 200"""
    query = submissions.submissions_of(current_user.id)
    if request.context.query.jurisdiction_id:
        query = query.where(Submission.country == _country(request.context.query.jurisdiction_id))
    return _requests(query, request.context.query)


@bp.get("/open311/v2/requests/<service_request_id>.json")
@token_required("desks:read")
@plain("service_request_id")
@describe()
@api.validate(resp=Response(HTTP_200=Requests), tags=[TAG])
def my_request(service_request_id):
    """One of your requests, by its reference"""
    return _one(submissions.submissions_of(current_user.id), service_request_id)


def _attributes(topic: str) -> dict:
    """`attribute[<code>]` fields, read as the submission form reads its answers."""
    from diaspora.api.v1.desks import _answers

    sent = {}
    for key, value in request.form.items():
        if key.startswith("attribute[") and key.endswith("]"):
            sent[key[len("attribute["):-1]] = value
    return _answers(topic, sent)


@bp.post("/open311/v2/requests.json")
@token_required("desks:write")
@describe()
@api.validate(form=RequestIn, resp=Response(HTTP_201=CreatedList), tags=[TAG])
def create():
    """Post a request: send a submission to a country's desk

    As the submission form sends it, for you: `service_code` is the topic, `description` its
    title, each of the topic's questions an `attribute[<code>]` (see the service's definition),
    `show_identity` whether the desk sees your name. Its reference comes back at once."""
    sent = form()
    country = sent.jurisdiction_id.upper()
    if country_name(country) == country:
        raise Problem(422, kind="invalid-field", errors=[{"field": "jurisdiction_id", "detail":
                                                          _("Choose a country from the list.")}])
    if sent.service_code not in QUESTIONS:
        raise Problem(422, kind="invalid-field", errors=[{"field": "service_code", "detail":
                                                          _("No such service: see services.json.")}])
    made = submissions.send(current_user, country=country, topic=sent.service_code, title=sent.description,
                            answers=_attributes(sent.service_code), show_identity=sent.show_identity)
    notice = (str(_("Sent to %(desk)s.", desk=made.desk.name)) if made.desk is not None
              else str(_("Received: it waits for a desk to take it.")))
    return CreatedList([Created(service_request_id=made.reference, service_notice=notice, account_id=None)]), 201


# ---------------------------------------------------------------------------- an association's root


@bp.get("/associations/<slug>/open311/v2/requests.json")
@token_required("associations:read", services=True)
@loads(association="manage")
@describe()
@api.validate(query=RequestsQuery, resp=Response(HTTP_200=Requests), tags=[TAG])
def association_requests(association):
    """The requests the association sent, newest first: at most 200"""
    return _requests(sa.select(Submission).where(Submission.association_id == association.id),
                     request.context.query)


@bp.get("/associations/<slug>/open311/v2/requests/<service_request_id>.json")
@token_required("associations:read", services=True)
@loads(association="manage")
@plain("service_request_id")
@describe()
@api.validate(resp=Response(HTTP_200=Requests), tags=[TAG])
def association_request(association, service_request_id):
    """One request the association sent, by its reference"""
    return _one(sa.select(Submission).where(Submission.association_id == association.id), service_request_id)
