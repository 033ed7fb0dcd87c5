"""The OpenAPI 3.1 document, generated from the code: SpecTree reads each route's pydantic
models (bodies, query strings, answers); this module adds what the routes declare to the core
(`@token_required`'s scope as the operation's security, `@loads`' objects as a 404, ids'
bounds) and the answers every API route can give (problem details for 401, 403, 404, 409,
412, 415, 422, 428, 429), so that the document describes every answer the API gives and
Schemathesis can hold it to that (tests/api/test_schemathesis.py)."""

import json
import re

from flask import Flask

from diaspora.core import access
from diaspora.core.ids import MAX_ID
from diaspora.core.problems import MEDIA_TYPE

PARAMETER = re.compile(r"<(?:([a-zA-Z_]+)(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")
PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}
ERRORS = {
    400: "The request could not be read (a body that is not JSON).",
    401: "No token, or one that does not work (unknown, expired, revoked, its owner's role lost).",
    403: "The token may not do this: too few scopes, or the policy refuses its holder.",
    404: "Not found, or not visible to this token's holder; or a cursor this list did not give.",
    409: "Someone else changed it at the same moment: nothing was saved.",
    412: "If-Match names a version that is no longer the latest: read it again.",
    413: "The request is too large.",
    415: "The body is not JSON (or not the form this operation takes).",
    422: "A field is not right (`errors` names each), or a rule refused the change.",
    428: "If-Match is missing: send the ETag you read.",
    429: "Too many requests: wait as many seconds as Retry-After says.",
}
RETRY_AFTER = {"description": "Seconds to wait.", "required": True, "schema": {"type": "integer", "minimum": 1}}
WWW_AUTHENTICATE = {"description": "The Bearer challenge (RFC 6750).", "required": True, "schema": {"type": "string"}}
ETAG = {"description": "The version to send back in If-Match.", "required": True, "schema": {"type": "string"}}
LINK = {"description": 'The next page: <URL>; rel="next" (absent on the last page).', "required": False,
        "schema": {"type": "string"}}

_cache: dict[int, dict] = {}


def openapi_path(rule: str) -> str:
    return PARAMETER.sub(lambda match: "{" + match.group(2) + "}", rule)


def document(app: Flask) -> dict:
    """The document, made once per app (the routes do not change while it runs)."""
    made = _cache.get(id(app))
    if made is None:
        from diaspora.api.v1.support import api

        made = json.loads(json.dumps(api.spec))  # a copy, and tuples become the arrays JSON has
        _complete(app, made)
        _cache[id(app)] = made
    return made


def _complete(app: Flask, spec: dict) -> None:
    spec["servers"] = [{"url": "/"}]
    spec.pop("security", None)
    for rule in app.url_map.iter_rules():
        if not access.is_api_path(rule.rule):
            continue
        view = app.view_functions[rule.endpoint]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"].get(openapi_path(rule.rule), {}).get(method.lower())
            if operation is not None:
                _complete_operation(operation, view, method)
    spec["paths"] = dict(sorted(spec["paths"].items()))


def _complete_operation(operation: dict, view, method: str) -> None:
    token = access.declared_rule(view) == "token"
    if token:
        operation["security"] = [{"token": [view.api_scope]}]
        scope = f"Needs a token with `{view.api_scope}`" + (
            " (a personal or a service token)." if view.accepts_services else " (a personal token).")
        operation["description"] = f"{operation.get('description') or ''}\n\n{scope}".strip()
    else:
        operation["security"] = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter["name"].endswith("_id"):
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        if parameter.get("in") == "query":
            parameter["schema"] = _without_null(parameter["schema"])
    statuses = {404, 429}
    if token:
        statuses |= {401, 403}
    body = "requestBody" in operation
    if body:
        _optional_when_empty_allowed(operation)
    if body:
        statuses |= {400, 413, 415, 422}
    if any(parameter.get("in") == "query" for parameter in operation.get("parameters", [])):
        statuses.add(422)
    if method not in access.READ_METHODS:
        statuses |= {409, 422}
    if_match = getattr(view, "if_match", None)
    if if_match:
        statuses |= {412, 428} if if_match == "required" else {412}
        operation.setdefault("parameters", []).append({
            "name": "If-Match", "in": "header", "required": if_match == "required",
            "description": "The ETag you read (its version): a stale one is refused with 412.",
            "schema": {"type": "string"}})
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses[str(status)] = _problem_response(status)
    media = getattr(view, "media", None)
    if media and "200" not in responses:
        responses["200"] = {"description": "OK"}
    for status, answer in responses.items():
        if status.startswith("2") and media:
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {"type": "string"})
            answer["content"] = {media: {"schema": schema}}
        if status.startswith("2"):
            headers = answer.setdefault("headers", {})
            if getattr(view, "etag", False):
                headers["ETag"] = ETAG
            if getattr(view, "paged", False):
                headers["Link"] = LINK
            if not headers:
                answer.pop("headers")


def _without_null(schema: dict) -> dict:
    """A query parameter is absent or a string: "null" is not a value a query string can carry."""
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        kept = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
        return {**options[0], **kept}
    return {key: value for key, value in schema.items() if not (key == "default" and value is None)}


def _optional_when_empty_allowed(operation: dict) -> None:
    """A JSON body whose fields are all optional may be left out (an empty body reads as {})."""
    from diaspora.api.v1.support import api

    content = operation["requestBody"].get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    if name and not api.models.get(name, {}).get("required"):
        operation["requestBody"]["required"] = False


def _problem_response(status: int) -> dict:
    answer = {"description": ERRORS[status], "content": {MEDIA_TYPE: {"schema": PROBLEM}}}
    if status == 429:
        answer["headers"] = {"Retry-After": RETRY_AFTER}
    if status == 401:
        answer["headers"] = {"WWW-Authenticate": WWW_AUTHENTICATE}
    return answer


def describe(*, if_match: str | None = None, etag: bool = False, paged: bool = False, media: str | None = None):
    """What the document says beyond the models: the If-Match the route reads ("required" or
    "optional"), the ETag its success carries, the Link header of a list, the media type of its
    success when it is not JSON (a CSV, `application/fhir+json`)."""

    def mark(view):
        view.media = media
        view.if_match = if_match
        view.etag = etag
        view.paged = paged
        return view

    return mark


# ---------------------------------------------------------------------------- the reference page


def _resolve(spec: dict, schema: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = spec["components"]["schemas"].get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema or {}


def type_of(spec: dict, schema: dict) -> str:
    """A schema in a few words: "string (date)", "integer", "array of Contribution", "A | null"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_of(spec, part) for part in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {type_of(spec, schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        return f"object of {type_of(spec, schema['additionalProperties'])}"
    return f"{kind} ({schema['format']})" if schema.get("format") else str(kind)


def fields_of(spec: dict, schema: dict) -> list[dict]:
    """Each property of an object schema: its name, type, whether required, its limits."""
    schema = _resolve(spec, schema)
    required = set(schema.get("required", []))
    found = []
    for name, item in schema.get("properties", {}).items():
        limits = [f"{key} {item[key]}" for key in ("minLength", "maxLength", "minimum", "maximum", "pattern")
                  if key in item]
        found.append({"name": name, "type": type_of(spec, item), "required": name in required,
                      "description": item.get("description", ""), "limits": ", ".join(limits)})
    return found


def reference_of(spec: dict) -> list[dict]:
    """The operations grouped by tag, in the document's order, as the reference page lists them."""
    sections: dict[str, list] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            media, content = next(iter(body.items()), (None, {}))
            success = {status: answer for status, answer in operation["responses"].items() if status.startswith("2")}
            status, answer = next(iter(success.items()), (None, {}))
            answer_schema = next(iter(answer.get("content", {}).values()), {}).get("schema", {})
            scopes = [scope for rule in operation.get("security", []) for scope in rule.get("token", [])]
            sections.setdefault((operation.get("tags") or ["Other"])[0], []).append({
                "anchor": operation.get("operationId", f"{method}-{path}"), "method": method.upper(), "path": path,
                "summary": operation.get("summary", ""), "description": operation.get("description", ""),
                "scopes": scopes, "parameters": operation.get("parameters", []),
                "body_type": media, "body": fields_of(spec, content.get("schema", {})) if content else [],
                "status": status, "answer": type_of(spec, answer_schema) if answer_schema else "",
                "headers": sorted(answer.get("headers", {})),
                "errors": sorted(code for code in operation["responses"] if not code.startswith("2")),
            })
    return [{"tag": tag, "operations": operations} for tag, operations in sections.items()]
