"""Errors as RFC 9457 problem details, for the JSON API (everything under `access.API_PREFIX`).

An API answer that is not a success is `application/problem+json`:

    {"type": "https://…/api/v1/reference#problem-invalid-field", "title": "A field is not right",
     "status": 422, "detail": "Enter a title.", "errors": [{"field": "title", "pointer": "#/title",
     "detail": "Enter a title."}]}

`type` names the kind of problem (a section of the API's reference page), `title` says it in
the reader's language, `detail` says what happened this time, and `errors` (an extension member,
as RFC 9457's own example has) lists each field that is wrong. A view raises `Problem(...)`;
the app's error handlers turn every other HTTP error on an API path into one too, so a client
never has to read an HTML error page."""

from typing import Any

from flask import Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from diaspora.core.i18n import _l

MEDIA_TYPE = "application/problem+json"

# The kinds of problem, by HTTP status when nothing more precise is said: (type slug, title).
BY_STATUS = {
    400: ("bad-request", _l("The request could not be read")),
    401: ("unauthenticated", _l("A valid access token is needed")),
    403: ("forbidden", _l("Not allowed")),
    404: ("not-found", _l("Not found")),
    405: ("method-not-allowed", _l("Not allowed with this method")),
    406: ("not-acceptable", _l("Not acceptable")),
    409: ("conflict", _l("Someone else changed this first")),
    412: ("stale-version", _l("The version you sent is not the latest")),
    413: ("too-large", _l("The request is too large")),
    415: ("unsupported-media-type", _l("Send JSON")),
    422: ("invalid-field", _l("A field is not right")),
    428: ("version-required", _l("Say which version you are changing")),
    429: ("rate-limited", _l("Too many requests")),
    500: ("server-error", _l("Something went wrong on our side")),
}


class Problem(HTTPException):
    """An HTTP error with what an API client needs to act on it: a `kind` (the problem type's
    slug), a `detail`, the `errors` of each field, and headers (WWW-Authenticate, Retry-After)."""

    def __init__(self, status: int, detail: str | None = None, *, kind: str | None = None, title: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None):
        super().__init__(description=detail)
        self.code = status
        self.kind = kind
        self.title = title
        self.errors = errors or []
        self.extra_headers = headers or {}

    def get_response(self, environ=None, scope=None) -> Response:
        return problem_response(self.code, self.description, kind=self.kind, title=self.title,
                                errors=self.errors, headers=self.extra_headers)


def field_error(field: str | None, detail: str) -> dict:
    """One wrong field: its name and a JSON Pointer (RFC 6901) into the request body."""
    if not field:
        return {"detail": detail}
    pointer = "#/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in field.split("."))
    return {"field": field, "pointer": pointer, "detail": detail}


def type_uri(kind: str) -> str:
    """The problem type: the reference page's section that explains it."""
    from diaspora.core.links import absolute

    try:
        return absolute(current_app.config.get("API_REFERENCE_ENDPOINT", "api_v1.reference"),
                        _anchor=f"problem-{kind}")
    except Exception:  # the API is not installed (an app built for one test): a plain name
        return f"about:blank#{kind}"


def problem_response(status: int, detail: str | None = None, *, kind: str | None = None, title: str | None = None,
                     errors: list[dict] | None = None, headers: dict | None = None) -> Response:
    default_kind, default_title = BY_STATUS.get(status, BY_STATUS[500 if status >= 500 else 400])
    body: dict[str, Any] = {
        "type": type_uri(kind or default_kind),
        "title": str(title or default_title),
        "status": status,
        "detail": str(detail or title or default_title),
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def _matches_another_method(error: HTTPException) -> bool:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in getattr(error, "valid_methods", None) or ():
        try:
            adapter.match(method=method)
        except HTTPException:
            continue
        return True
    return False


def from_http_error(error: HTTPException, detail: str | None = None) -> Response:
    """Any werkzeug HTTP error (a 404 from routing, a 405 with its Allow header ...) as a problem."""
    if isinstance(error, Problem):
        return error.get_response()
    status = error.code or 500
    if status == 405 and not _matches_another_method(error):
        # werkzeug's answer when a path's id is out of range (IdConverter): no such thing, not a wrong method
        return problem_response(404)
    headers = {name: value for name, value in error.get_headers() if name.lower() not in ("content-type",
                                                                                            "content-length")}
    return problem_response(status, detail, headers=headers)
