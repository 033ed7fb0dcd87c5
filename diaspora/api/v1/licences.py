"""A member's licences and CPD through the API, as their licences page shows them: each licence
with its status and its CPD progress in the current cycle, counted in its regulator's unit
(licensure/licences.py), and the CPD activities they logged. A member's licences and
activities are few (the page lists them whole): these lists come in one page."""

from flask_login import current_user
from spectree import Response

from diaspora.api.v1 import models
from diaspora.api.v1.document import describe
from diaspora.api.v1.support import api, body, new_blueprint, page_model, with_etag
from diaspora.core.access import loads, token_required
from diaspora.licensure import licences

bp = new_blueprint("api_v1_licences")
TAG = "Licences and CPD"
LicencePage = page_model(models.Licence)
ActivityPage = page_model(models.CpdActivity)


def licence_out(licence, progress) -> models.Licence:
    regulator = licence.regulator
    cycle = progress.cycle or (None, None)
    return models.Licence(
        id=licence.id, registration_number=licence.registration_number, category=licence.category,
        issued_on=licence.issued_on, expires_on=licence.expires_on, status=str(licence.status()),
        status_label=licence.status_label, version=licence.version,
        regulator=models.Regulator(id=regulator.id, country=regulator.country, name=regulator.name,
                                   short_name=regulator.short_name, cpd_unit=regulator.cpd_unit),
        progress=models.CpdProgress(cycle_starts_on=cycle[0], cycle_ends_on=cycle[1], unit=regulator.cpd_unit,
                                    counted=progress.counted, required=progress.required, missing=progress.missing,
                                    percent=progress.percent, not_counted=len(progress.not_counted)))


@bp.get("/licences")
@token_required("licences:read")
@describe()
@api.validate(resp=Response(HTTP_200=LicencePage), tags=[TAG])
def licence_list():
    """Your licences

    Soonest to expire first, each with its CPD progress in its current cycle."""
    held = licences.licences_of(current_user.id)
    progress = licences.progress_of(current_user.id, held)
    return LicencePage(items=[licence_out(licence, progress[licence.id]) for licence in held], next=None)


@bp.get("/licences/<int:licence_id>")
@token_required("licences:read")
@loads(licence="view")
@describe(etag=True)
@api.validate(resp=Response(HTTP_200=models.Licence), tags=[TAG])
def licence(licence):
    """Read a licence, with its CPD progress"""
    progress = licences.progress_of(licence.user_id, [licence])[licence.id]
    return with_etag(licence_out(licence, progress), licence)


def activity_out(activity) -> models.CpdActivity:
    return models.CpdActivity(id=activity.id, title=activity.title, provider=activity.provider,
                              completed_on=activity.completed_on, hours=activity.hours, amount=activity.amount,
                              unit=activity.unit)


@bp.get("/cpd")
@token_required("licences:read")
@describe()
@api.validate(resp=Response(HTTP_200=ActivityPage), tags=[TAG])
def activities():
    """Your CPD activities, latest first"""
    return ActivityPage(items=[activity_out(a) for a in licences.activities_of(current_user.id)], next=None)


@bp.post("/cpd")
@token_required("licences:write")
@describe()
@api.validate(json=models.CpdActivityIn, resp=Response(HTTP_201=models.CpdActivity), tags=[TAG])
def log_activity():
    """Log a CPD activity

    Done outside the platform: the hours it took, the CPD it gave (an amount in points,
    credits or units), or both. It counts towards every licence whose cycle it falls in."""
    sent = body()
    made = licences.log_activity(current_user, title=sent.title, provider=sent.provider,
                                 completed_on=sent.completed_on, hours=sent.hours, amount=sent.amount,
                                 unit=sent.unit)
    return activity_out(made), 201
