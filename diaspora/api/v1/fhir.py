"""A FHIR R4 feed of the health workers who share with a desk's country, aligned with IHE mCSD
(api/fhir_feed.py builds the resources), for a ministry's health-worker registry (iHRIS and
the other OpenHIE registries read FHIR):

* `GET /api/v1/desks/<id>/fhir/Practitioner` and `/PractitionerRole`: a search Bundle,
  `_lastUpdated=ge2026-01-01T00:00:00Z` (ge, gt, le, lt), `_count`, paged by a `next` link;
* `GET …/Practitioner/_history?_since=…` (and PractitionerRole's): every change since, oldest
  first, a member who stopped sharing as a DELETE, so that a registry can stay in step;
* `GET …/Practitioner/<id>`, `…/PractitionerRole/<id>`: one resource (404 once not shared);
* `GET …/Organization`: the country's regulators (the licences' issuers) and the approved
  associations of its diaspora;
* `GET /api/v1/associations/<slug>/fhir/Practitioner`: an association's own members who chose
  to be seen in its directory, with the licences they share with its officers.

JSON only (`application/fhir+json`). Read with a desk's token (`desks:read`), or an
association's (`associations:read`)."""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from flask import request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response

from diaspora.api import fhir_feed
from diaspora.api.v1.document import describe
from diaspora.api.v1.support import OutModel, api, new_blueprint
from diaspora.core.access import loads, plain, token_required
from diaspora.core.i18n import _
from diaspora.core.ids import parse_id
from diaspora.core.links import absolute
from diaspora.core.pagination import BadCursor
from diaspora.core.problems import Problem
from diaspora.core.time import utcnow

bp = new_blueprint("api_v1_fhir")
TAG = "FHIR health-worker registry"
MEDIA_TYPE = "application/fhir+json"
INSTANT = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
           r"(Z|[+-][0-9]{2}:[0-9]{2}))?")
CURSOR = "^[A-Za-z0-9_-]+$"
ROLES = "any(Practitioner,PractitionerRole)"


class BundleLink(OutModel):
    relation: str
    url: str


class FhirBundle(OutModel):
    """A FHIR R4 Bundle (searchset or history); each entry's resource is an mCSD resource."""

    resourceType: Literal["Bundle"]
    type: Literal["searchset", "history"]
    timestamp: str
    link: list[BundleLink]
    entry: list[dict[str, Any]]


class FhirResource(OutModel):
    """A FHIR R4 resource (Practitioner or PractitionerRole, mCSD profiles)."""

    resourceType: str
    id: str
    meta: dict[str, Any]

    model_config = ConfigDict(extra="allow")


class PageOnly(BaseModel):
    count: int = Field(50, alias="_count", ge=1, le=100, description="How many entries a page holds.")
    cursor: str | None = Field(None, alias="_cursor", max_length=600, pattern=CURSOR,
                               description="The page to read: take it from the previous page's `next` link.")

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SearchQuery(PageOnly):
    last_updated: str | None = Field(None, alias="_lastUpdated", pattern=f"^(ge|gt|le|lt)?{INSTANT}$",
                                     description="When it last changed: ge, gt, le or lt, then an instant or a day.")


class HistoryQuery(PageOnly):
    since: str | None = Field(None, alias="_since", pattern=f"^{INSTANT}$",
                              description="Changes at or after this instant (all of them without it).")


# ---------------------------------------------------------------------------- reading


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Problem(422, kind="invalid-field", errors=[{"field": "_lastUpdated", "detail": _(
            "Not an instant: write it as 2026-01-31T09:00:00Z.")}]) from None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _bounds(last_updated: str | None) -> tuple[datetime | None, datetime | None]:
    if not last_updated:
        return None, None
    prefix = last_updated[:2] if last_updated[:2] in ("ge", "gt", "le", "lt") else "ge"
    value = _instant(last_updated[2:] if last_updated[:2] == prefix else last_updated)
    tick = timedelta(microseconds=1)
    return {"ge": (value, None), "gt": (value + tick, None), "le": (None, value + tick), "lt": (None, value)}[prefix]


def _page(read):
    try:
        return read()
    except BadCursor:
        raise Problem(404, _("That page of the list does not exist: use the `next` link of the page before."),
                      errors=[{"field": "_cursor", "detail": _("Not a cursor this list gave.")}]) from None


def _links(cursor: str | None) -> list[BundleLink]:
    values = {**(request.view_args or {}), **{k: v for k, v in request.args.items() if k != "_cursor"}}
    links = [BundleLink(relation="self", url=absolute(request.endpoint, **values,
                                                      **({"_cursor": request.args["_cursor"]}
                                                         if request.args.get("_cursor") else {})))]
    if cursor:
        links.append(BundleLink(relation="next", url=absolute(request.endpoint, **values, _cursor=cursor)))
    return links


def _base(desk) -> str:
    return absolute("api_v1_fhir.search", desk_id=desk.id, resource_type="Practitioner").removesuffix("Practitioner")


def _resource(resource_type: str, record, named: dict | None = None) -> dict:
    if resource_type == "Practitioner":
        return fhir_feed.practitioner(record)
    return fhir_feed.practitioner_role(record, named)


def _answer(bundle: FhirBundle):
    return bundle, 200, {"Content-Type": MEDIA_TYPE}


def _bundle(kind: str, entries: list[dict], cursor: str | None) -> FhirBundle:
    return FhirBundle(resourceType="Bundle", type=kind, timestamp=fhir_feed.instant(utcnow()),
                      link=_links(cursor), entry=entries)


# ---------------------------------------------------------------------------- a desk's feed


@bp.get(f"/desks/<int:desk_id>/fhir/<{ROLES}:resource_type>")
@token_required("desks:read", services=True)
@loads(desk="work")
@plain("resource_type")
@describe(media=MEDIA_TYPE)
@api.validate(query=SearchQuery, resp=Response(HTTP_200=FhirBundle), tags=[TAG])
def search(desk, resource_type):
    """Search the health workers who share with the desk's country

    Practitioner (the name; a qualification for each licence with the country's regulators)
    or PractitionerRole (the cadre as its ISCO-08 code, the specialty, the host country), IHE
    mCSD profiles. `_lastUpdated` narrows by when the record last changed; in that order."""
    query = request.context.query
    since, until = _bounds(query.last_updated)
    records, cursor = _page(lambda: fhir_feed.desk_page(desk.country, after=query.cursor, per_page=query.count,
                                                         since=since, until=until))
    base, named = _base(desk), {}
    return _answer(_bundle("searchset", [
        {"fullUrl": f"{base}{resource_type}/{record.user_id}", "resource": _resource(resource_type, record, named),
         "search": {"mode": "match"}} for record in records], cursor))


@bp.get(f"/desks/<int:desk_id>/fhir/<{ROLES}:resource_type>/_history")
@token_required("desks:read", services=True)
@loads(desk="work")
@plain("resource_type")
@describe(media=MEDIA_TYPE)
@api.validate(query=HistoryQuery, resp=Response(HTTP_200=FhirBundle), tags=[TAG])
def history(desk, resource_type):
    """What changed since an instant: updates, and deletions for those who stopped sharing

    Oldest first, one entry per member (their latest version): a registry reads it from the
    `_since` of its last run and follows `next` to the end."""
    query = request.context.query
    since = _instant(query.since) if query.since else None
    records, cursor = _page(lambda: fhir_feed.desk_page(desk.country, after=query.cursor, per_page=query.count,
                                                         since=since, history=True))
    base, named, entries = _base(desk), {}, []
    for record in records:
        url = f"{resource_type}/{record.user_id}"
        changed = fhir_feed.instant(record.updated_at)
        if record.present:
            entries.append({"fullUrl": base + url, "resource": _resource(resource_type, record, named),
                            "request": {"method": "PUT", "url": url},
                            "response": {"status": "200 OK", "lastModified": changed}})
        else:
            entries.append({"fullUrl": base + url, "request": {"method": "DELETE", "url": url},
                            "response": {"status": "204 No Content", "lastModified": changed}})
    return _answer(_bundle("history", entries, cursor))


@bp.get(f"/desks/<int:desk_id>/fhir/<{ROLES}:resource_type>/<resource_id>")
@token_required("desks:read", services=True)
@loads(desk="work")
@plain("resource_type", "resource_id")
@describe(media=MEDIA_TYPE)
@api.validate(resp=Response(HTTP_200=FhirResource), tags=[TAG])
def read(desk, resource_type, resource_id):
    """Read one health worker's Practitioner or PractitionerRole (404 unless they share now)"""
    user_id = parse_id(resource_id)  # a number no row can have (past 2^31 - 1) is a 404, not an overflow
    if user_id is None:
        raise Problem(404)
    record = fhir_feed.desk_record(desk.country, user_id)
    if record is None:
        raise Problem(404)
    return FhirResource.model_validate(_resource(resource_type, record)), 200, {"Content-Type": MEDIA_TYPE}


@bp.get("/desks/<int:desk_id>/fhir/Organization")
@token_required("desks:read", services=True)
@loads(desk="work")
@describe(media=MEDIA_TYPE)
@api.validate(query=PageOnly, resp=Response(HTTP_200=FhirBundle), tags=[TAG])
def organizations(desk):
    """The country's regulators and the approved associations of its diaspora (mCSD Organization)"""
    query = request.context.query
    regulators, associations, cursor = fhir_feed.organizations_page(desk.country, after=query.cursor,
                                                                    per_page=query.count)
    base = _base(desk)
    resources = [*map(fhir_feed.regulator_organization, regulators),
                 *map(fhir_feed.association_organization, associations)]
    return _answer(_bundle("searchset", [{"fullUrl": f"{base}Organization/{resource['id']}", "resource": resource,
                                          "search": {"mode": "match"}} for resource in resources], cursor))


# ---------------------------------------------------------------------------- an association's export


@bp.get("/associations/<slug>/fhir/Practitioner")
@token_required("associations:read", services=True)
@loads(association="manage")
@describe(media=MEDIA_TYPE)
@api.validate(query=PageOnly, resp=Response(HTTP_200=FhirBundle), tags=[TAG])
def association_practitioners(association):
    """The association's members who chose to be seen in its directory, as mCSD Practitioners

    With a qualification for each licence they share with the association's officers."""
    query = request.context.query
    records, cursor = _page(lambda: fhir_feed.association_page(association, after=query.cursor,
                                                               per_page=query.count))
    base = absolute("api_v1_fhir.association_practitioners", slug=association.slug).removesuffix("Practitioner")
    return _answer(_bundle("searchset", [
        {"fullUrl": f"{base}Practitioner/{record.user_id}", "resource": fhir_feed.practitioner(record),
         "search": {"mode": "match"}} for record in records], cursor))
