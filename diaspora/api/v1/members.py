"""People and memberships through the API: the token owner's account, profile and memberships;
an association's directory (under the same consent rules as its page: officers see every
membership, members the active members who chose to appear) and its applications, decided as
on the officers' pages (associations/memberships.py)."""

import pycountry
from flask import request
from flask_login import current_user
from pydantic import Field
from spectree import Response

from diaspora.api.v1 import models
from diaspora.api.v1.document import describe
from diaspora.api.v1.support import (
    PageQuery,
    api,
    args,
    body,
    if_match,
    keyset_page,
    new_blueprint,
    page_model,
    with_etag,
)
from diaspora.associations import memberships, policy
from diaspora.associations.models import MEMBERSHIP_STATES, Membership
from diaspora.associations.roster import directory
from diaspora.core.access import loads, token_required
from diaspora.core.i18n import _
from diaspora.core.pagination import Ordering, SortKey
from diaspora.core.problems import Problem, field_error
from diaspora.members import profiles
from diaspora.members.forms import normalise_skill

bp = new_blueprint("api_v1_members")
TAG = "You"
OFFICERS_TAG = "Members and applications"
MembershipPage = page_model(models.Membership)
DirectoryPage = page_model(models.DirectoryEntry)
ApplicationPage = page_model(models.Application)
BY_ID = Ordering([SortKey(Membership.id, lambda m: m.id, kind=int)])


def _association(association) -> models.AssociationRef:
    return models.AssociationRef(id=association.id, slug=association.slug, name=association.name)


def _me(status: int = 200):
    found = profiles.load_profile(current_user)
    version = found.version if found is not None else 0
    return models.Me(id=current_user.id, name=current_user.name, email=current_user.email,
                     locale=current_user.locale, two_factor=current_user.two_factor_enabled,
                     profile=_profile(found)), status, {"ETag": f'"{version}"'}


@bp.get("/me")
@token_required("members:read")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Me), tags=[TAG])
def me():
    """Your account and profile

    Its ETag is your profile's version: send it back in If-Match to change the profile."""
    return _me()


@bp.patch("/me/profile")
@token_required("members:write")
@describe(if_match="required", etag=True)
@api.validate(json=models.ProfileChange, resp=Response(HTTP_200=models.Me), tags=[TAG])
def change_profile():
    """Change your profile

    The fields sent replace what is saved; the others stay. Heritage countries and languages are
    codes (GH, eng); skills are tags, as on the profile page."""
    found = profiles.load_profile(current_user)
    saved = _saved(found)
    sent = body().model_dump(exclude_unset=True)
    _check_codes(sent)
    if "skills" in sent:
        sent["skills"] = sorted(dict.fromkeys(tag for tag in map(normalise_skill, sent["skills"] or []) if tag))
    values = {**saved, **{name: value for name, value in sent.items()}}
    for name in ("heritage_countries", "languages", "skills"):
        values[name] = sorted(set(values[name] or []))
    if values.get("return_interest") in (None, "none"):
        values["return_interest"], values["return_horizon"] = values.get("return_interest") or "none", None
    version = if_match(found) if found is not None else _no_profile_yet()
    profiles.update_profile(current_user, values, str(version))
    return _me()


def _saved(found) -> dict:
    values = {name: getattr(found, name) if found is not None else None for name in profiles.PROFILE_FIELDS}
    values["return_interest"] = values["return_interest"] or "none"
    return {**values, **profiles.profile_lists(found)}


def _no_profile_yet() -> int:
    """A first profile: its version is 0 (the ETag `"0"` that /me gave)."""
    sent = request.headers.get("If-Match", "")
    if not sent:
        raise Problem(428, kind="version-required")
    if sent.strip().strip('"') not in ("0", "*"):
        raise Problem(412, kind="stale-version")
    return 0


def _check_codes(sent: dict) -> None:
    wrong = []
    for code in sent.get("heritage_countries") or []:
        if pycountry.countries.get(alpha_2=code) is None:
            wrong.append(field_error("heritage_countries", _("Choose a country from the list.")))
    if sent.get("host_country") and pycountry.countries.get(alpha_2=sent["host_country"]) is None:
        wrong.append(field_error("host_country", _("Choose a country from the list.")))
    for code in sent.get("languages") or []:
        if pycountry.languages.get(alpha_3=code) is None:
            wrong.append(field_error("languages", _("Not a valid value: %(reason)s", reason=code)))
    if wrong:
        raise Problem(422, kind="invalid-field", errors=wrong[:10])


def _profile(found) -> models.Profile | None:
    profile = None
    if found is not None:
        profile = models.Profile(
            **{name: getattr(found, name) for name in ("cadre", "specialty", "host_country", "host_city",
                                                       "return_interest", "return_horizon", "directory_consent",
                                                       "updated_at", "version")},
            **profiles.profile_lists(found))
    return profile


def membership_out(membership) -> models.Membership:
    return models.Membership(
        id=membership.id, association=_association(membership.association), role=membership.role,
        status=membership.status, status_label=MEMBERSHIP_STATES.label(membership.status),
        membership_type=membership.membership_type.name if membership.membership_type else None,
        joined_on=membership.joined_on, renews_on=membership.renews_on)


@bp.get("/me/memberships")
@token_required("members:read")
@describe(paged=True)
@api.validate(query=PageQuery, resp=Response(HTTP_200=MembershipPage), tags=[TAG])
def my_memberships():
    """Your memberships"""
    from sqlalchemy.orm import selectinload

    query = policy.memberships_of(current_user).order_by(None).options(selectinload(Membership.membership_type))
    return keyset_page(query, BY_ID, MembershipPage, membership_out, after=args().after, per_page=args().per_page)


class DirectoryQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="Name, specialty or skill.")
    cadre: models.CadreName | None = None
    heritage: str | None = Field(None, pattern="^[A-Za-z]{2}$", description="A heritage country.")
    status: models.MembershipStatusName | None = Field(None, description="Officers only.")
    sort: str = Field("name", pattern="^(name|newest)$")


def _entry(officer: bool):
    def shaped(member) -> models.DirectoryEntry:
        entry = models.DirectoryEntry(membership_id=member.id, name=member.name, cadre=member.cadre,
                                      specialty=member.specialty, heritage_countries=member.heritage,
                                      skills=member.skills)
        if officer:
            entry.email, entry.status, entry.role = member.email, member.status, member.role
            entry.membership_type, entry.renews_on = member.type_name, member.renews_on
        return entry

    return shaped


@bp.get("/associations/<slug>/members")
@token_required("associations:read", services=True)
@loads(association="directory")
@describe(paged=True)
@api.validate(query=DirectoryQuery, resp=Response(HTTP_200=DirectoryPage), tags=[OFFICERS_TAG])
def members(association):
    """The association's members

    The directory, as its page shows it to the token's holder: to officers (and the
    association's service tokens) every membership with its email and status; to members,
    the active members who chose to appear in the directory. Sorted by name or newest first.
    A search for several words by name looks through the list a bounded part at a time: a page
    may then hold fewer entries than `per_page`, even none, with a `next` link to search on;
    the search has found every match when there is no `next`."""
    officer = policy.is_officer(current_user, association)
    query = args()
    filters = {name: value for name, value in (("q", (query.q or "").strip()), ("cadre", query.cadre),
                                                 ("heritage", (query.heritage or "").upper()),
                                                 ("status", query.status if officer else None)) if value}
    scope = policy.directory_scope(current_user, association)
    return keyset_page(None, None, DirectoryPage, _entry(officer), after=query.after, per_page=query.per_page,
                       pager=lambda after, per_page: directory.page(
                           scope, association.id, statuses=None if officer else [Membership.ACTIVE], filters=filters,
                           sort=query.sort, after=after, before=None, per_page=per_page))


def application_out(membership) -> models.Application:
    return models.Application(
        membership_id=membership.id, name=membership.user.name, email=membership.user.email,
        membership_type=membership.membership_type.name if membership.membership_type else None,
        applied_at=membership.created_at, status=membership.status, version=membership.version)


@bp.get("/associations/<slug>/applications")
@token_required("associations:read", services=True)
@loads(association="manage")
@describe(paged=True)
@api.validate(query=PageQuery, resp=Response(HTTP_200=ApplicationPage), tags=[OFFICERS_TAG])
def applications(association):
    """Applications waiting for a decision, oldest first"""
    return keyset_page(memberships.applications_of(association), memberships.APPLICATIONS_ORDER, ApplicationPage,
                       application_out, after=args().after, per_page=args().per_page)


@bp.post("/associations/<slug>/applications/<int:membership_id>/approve")
@token_required("associations:write", services=True)
@loads(association="manage", membership="manage")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Decided), tags=[OFFICERS_TAG])
def approve(association, membership):
    """Approve an application

    The applicant becomes a member and is emailed, as when an officer approves it on the page."""
    message = memberships.approve_application(membership, current_user)
    return with_etag(models.Decided(membership_id=membership.id, status=membership.status, message=message),
                     membership)


@bp.post("/associations/<slug>/applications/<int:membership_id>/reject")
@token_required("associations:write", services=True)
@loads(association="manage", membership="manage")
@describe(etag=True)
@api.validate(json=models.RejectIn, resp=Response(HTTP_200=models.Decided), tags=[OFFICERS_TAG])
def reject(association, membership):
    """Reject an application, with a reason

    The applicant is emailed the reason."""
    memberships.reject_application(membership, current_user, body().reason)
    return with_etag(models.Decided(membership_id=membership.id, status=membership.status,
                                    message=MEMBERSHIP_STATES.label(membership.status)), membership)
