"""What every v1 route is built from: the OpenAPI description (SpecTree, from pydantic models),
request bodies read strictly, problem details for every refusal, keyset pages with a `next`
link, ETag / If-Match on records that carry a version, and CORS for the public verification
routes only.

A route reads, top to bottom, as the page routes do:

    @bp.post("/contributions/<int:contribution_id>/submit")
    @token_required("contributions:write")          # who: a token with this scope
    @loads(contribution="change")                   # what: the object, through its kind's policy
    @api.validate(json=SubmitIn, resp=Response(HTTP_200=ContributionOut), tags=["Contributions"])
    def submit(contribution): ...                   # one service call, the same as the page's

Request validation runs inside the access checks, so an outsider is refused (401, 403, 404)
before the body is read. A service's `DomainError` becomes a 422 with the field it names; a
stale version a 412."""

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from flask import Blueprint, Response, current_app, request
from flask.globals import _cv_request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.utils import get_multidict_items

from diaspora.core.access import is_api_path
from diaspora.core.domain import VERSION_FIELD, DomainError, VersionConflict
from diaspora.core.i18n import _
from diaspora.core.links import absolute
from diaspora.core.pagination import BadCursor, Ordering, paginate
from diaspora.core.problems import Problem, field_error

JSON_TYPES = ("application/json",)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_PER_PAGE = 100


class StrictModel(BaseModel):
    """A request body: strict types (a number is a number, not "5"), no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


def _in_utc(value: datetime) -> datetime:
    """Times are kept in UTC without a zone; an answer says so (2026-03-01T09:30:00Z)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso_date(value: Any) -> Any:
    """A day as YYYY-MM-DD and nothing else (not a number of seconds, not a time)."""
    if isinstance(value, str):
        if not ISO_DAY.fullmatch(value):
            raise ValueError("a day is written YYYY-MM-DD")
        return date.fromisoformat(value)
    return value


UtcDateTime = Annotated[datetime, AfterValidator(_in_utc)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class OutModel(BaseModel):
    """A response body."""

    model_config = ConfigDict(from_attributes=True)


class FieldProblem(OutModel):
    field: str | None = None
    pointer: str | None = None
    detail: str


class ProblemDetails(OutModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


# ---------------------------------------------------------------------------- reading requests


def _clean(value: Any) -> Any:
    """JSON as the pages' forms arrive: no NUL (PostgreSQL refuses it in text, and the web layer
    strips it from forms), no lone surrogate (not UTF-8: written as U+FFFD)."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value


def _json_body(model: type[BaseModel]) -> BaseModel:
    if not request.get_data(cache=True):  # no body: {} (a body whose fields are all optional may be left out)
        return model.model_validate_json(b"{}")
    if request.mimetype not in JSON_TYPES:
        raise Problem(415, _("Send the body as JSON, with Content-Type: application/json."),
                      headers={"Accept-Post": "application/json"})
    try:
        data = json.loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Problem(422, _("The body must be a JSON object."), kind="invalid-field",
                      errors=[field_error(None, _("The body must be a JSON object."))])
    return model.model_validate_json(json.dumps(_clean(data)))


class DiasporaFlaskPlugin(FlaskPlugin):
    """SpecTree's Flask plugin, reading JSON bodies strictly (`_json_body`) and query strings
    as the pages read them (already free of NUL)."""

    def request_validation(self, request, query, json, form, headers, cookies):
        has_data = request.method not in ("GET", "DELETE")
        request.context = Context(
            self.model_adapter.validate_obj(query, get_multidict_items(request.args, query)) if query else None,
            _json_body(json) if json and has_data else None,
            self.model_adapter.validate_obj(form, self.fill_form(request)) if form and has_data else None,
            None, None)


def _validation_problem(req, resp, error, instance, adapter) -> None:
    """SpecTree's hook before the view: a request that does not match the description is a 422
    naming each wrong field (query parameters by name, body fields with a JSON Pointer too)."""
    if error is None:
        return
    place = "query" if request.method in ("GET", "DELETE") else "body"
    errors = []
    for item in error.errors(include_context=False):
        field = ".".join(str(part) for part in item.get("loc", ()))
        found = field_error(field, _("Not a valid value: %(reason)s", reason=item.get("msg", "")))
        if place == "query":
            found.pop("pointer", None)
        errors.append(found)
    raise Problem(422, _("Some fields are not right: see errors."), kind="invalid-field", errors=errors)


api = SpecTree(
    "flask", backend=DiasporaFlaskPlugin, mode="strict", annotations=False,
    title="Diaspora Health Network API", version="1", openapi_version="3.1.0",
    description=("The same people, rules and records as the pages, for systems: a CRM that keeps an "
                 "association's members, a ministry's case system, a verifier of credentials. Authenticate "
                 "with a personal or service access token (`Authorization: Bearer dhn_…`), made on the "
                 "site. Errors are RFC 9457 problem details; lists are keyset pages with a `next` link."),
    validation_error_status=422, validation_error_model=ProblemDetails, before=_validation_problem,
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda parent, child: child,
    security_schemes=[SecurityScheme(name="token", data=SecuritySchemeData(
        type="http", scheme="bearer", bearer_format="dhn_ followed by 43 characters",
        description="A personal or service access token. Its scopes are listed on each operation."))],
)


# ---------------------------------------------------------------------------- answering


def domain_problem(error: DomainError) -> Response:
    """A rule refused the change: 422 with the field, or 412 for a version someone else saved."""
    if isinstance(error, VersionConflict) or error.field == VERSION_FIELD:
        return Problem(412, error.message, kind="stale-version").get_response()
    return Problem(422, error.message, kind="invalid-field", errors=[field_error(error.field, error.message)]
                   ).get_response()


def new_blueprint(name: str) -> Blueprint:
    """A v1 blueprint: CSRF off (the session cookie authenticates no API call, so no other
    site can make a browser send one for its user), a service's refusal as a problem."""
    from diaspora.extensions import csrf

    bp = Blueprint(name, __name__, url_prefix="/api/v1")
    bp.register_error_handler(DomainError, domain_problem)
    csrf.exempt(bp)
    return bp


def body() -> Any:
    return request.context.json


def form() -> Any:
    return request.context.form


def args() -> Any:
    return request.context.query


def not_found() -> Problem:
    return Problem(404)


# ---------------------------------------------------------------------------- versions


def etag_of(record: Any) -> str:
    return f'"{record.version}"'


def with_etag(payload: BaseModel, record: Any, status: int = 200, headers: dict | None = None):
    return payload, status, {"ETag": etag_of(record), **(headers or {})}


def if_match(record: Any, *, required: bool = True) -> int | None:
    """The version the client read (`If-Match: "<version>"`, from the ETag it was given), checked
    against the record's: 412 if someone saved it since, 428 if a required one is missing."""
    sent = request.headers.get("If-Match")
    if not sent:
        if required:
            raise Problem(428, _("Send If-Match with the ETag you read, so that nobody's change is overwritten."),
                          kind="version-required")
        return None
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in sent.split(",")]
    if "*" in tags:
        return record.version
    if str(record.version) not in tags:
        raise Problem(412, _("Someone saved a change to this after you read it: read it again, then make your "
                             "change."), kind="stale-version")
    return record.version


# ---------------------------------------------------------------------------- keyset pages


def page_model(item: type[BaseModel]) -> type[BaseModel]:
    """`{items: [...], next: URL | null}` for a list of `item`."""
    return type(f"{item.__name__}Page", (OutModel,), {
        "__annotations__": {"items": list[item], "next": str | None},
        "__doc__": f"A page of {item.__name__}, in the list's order; `next` is the following page (or null).",
    })


class PageQuery(BaseModel):
    """A keyset page: `after` is the cursor the previous page's `next` link carries."""

    after: str | None = Field(None, max_length=600, pattern="^[A-Za-z0-9_-]+$",
                              description="The cursor of the page to read: take it from the previous page's `next`.")
    per_page: int = Field(25, ge=1, le=MAX_PER_PAGE, description="How many items a page holds.")

    model_config = ConfigDict(extra="ignore")


def keyset_page(query, ordering: Ordering, model: type[BaseModel], convert: Callable[[Any], BaseModel],
                *, after: str | None, per_page: int, scalars: bool = True, pager: Callable | None = None):
    """One page of `query` and its `Link: <next>; rel="next"` header. A cursor we did not give is
    a page that does not exist: 404, as on the pages."""
    try:
        found = pager(after=after, per_page=per_page) if pager else paginate(
            query, ordering, after=after, per_page=per_page, scalars=scalars)
    except BadCursor:
        raise Problem(404, _("That page of the list does not exist: use the `next` link of the page before."),
                      errors=[{"field": "after", "detail": _("Not a cursor this list gave.")}]) from None
    link = _next_link(found.next_cursor, per_page)
    payload = model(items=[convert(item) for item in found.items], next=link)
    return payload, 200, ({"Link": f'<{link}>; rel="next"'} if link else {})


def _next_link(cursor: str | None, per_page: int) -> str | None:
    if cursor is None:
        return None
    values = {key: value for key, value in request.args.items() if key not in ("after", "per_page")}
    values.update(request.view_args or {})
    values.update(after=cursor, per_page=per_page)
    return absolute(request.endpoint, **values)


# ---------------------------------------------------------------------------- CORS

CORS_OPEN: set[str] = set()


def open_to_other_sites(view: Callable) -> Callable:
    """Any site may read this route's answers from a browser (the public verification routes,
    which need no token and show only what their holder chose to share); every other API route
    answers no other origin."""
    CORS_OPEN.add(f"{view.__module__}.{view.__qualname__}")
    view.cors_open = True
    return view


def api_headers(response: Response) -> Response:
    """On API answers: no cache keeps what a token read (it is its holder's), and CORS headers
    on the routes open to other sites only."""
    if not is_api_path(_cv_request.get().request.path):  # every answer passes here: not through the proxy
        return response
    if request.headers.get("Authorization"):
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Authorization")
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not getattr(view, "cors_open", False):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ", ".join(
            sorted(m for m in (request.url_rule.methods if request.url_rule else ()) if m != "HEAD"))
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    return response

