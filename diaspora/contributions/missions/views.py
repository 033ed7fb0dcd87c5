"""Missions and Health Partnerships: the officers' lists, forms, team and report pages; the
mission's page for the people invited onto its team, and their answers; a member's own
missions. Every object in a URL is loaded through its kind (contributions/policy.py)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.contributions.logbook.forms import region_choices
from diaspora.contributions.missions import missions, partnerships
from diaspora.contributions.missions.forms import (
    MissionForm,
    PartnershipForm,
    ReflectionForm,
    ReportForm,
    TeamInviteForm,
    TookPartForm,
)
from diaspora.contributions.models import MISSION_STATES, TEAM_PLACE_STATES
from diaspora.contributions.policy import place_of
from diaspora.core import countries
from diaspora.core.access import allowed, loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field, save_edit
from diaspora.core.i18n import _, ngettext
from diaspora.core.pagination import page_of
from diaspora.core.time import long_date

bp = Blueprint("missions", __name__)

STATE_ACTIONS = ("start", "complete", "cancel")


@bp.context_processor
def page_helpers() -> dict:
    return {"MISSION_STATES": MISSION_STATES, "TEAM_PLACE_STATES": TEAM_PLACE_STATES, "long_date": long_date,
            "country_name": country_name, "region_name": region_name}


def region_name(code: str | None) -> str | None:
    return countries.region_name(code) or None


# ---------------------------------------------------------------------------- a member's missions


@bp.get("/missions")
@login_required
def mine():
    page = page_of(missions.places_of(current_user), missions.PLACES_NEWEST_FIRST)
    return render_template("contributions/missions/mine.html", page=page)


# ---------------------------------------------------------------------------- the officers' list and form


@bp.get("/associations/<slug>/missions")
@login_required
@loads(association="manage")
def index(association):
    page = page_of(missions.missions_of(association), missions.NEWEST_FIRST)
    return render_template("contributions/missions/index.html", association=association, page=page)


def _mission_choices(form: MissionForm, association) -> None:
    form.region.choices = region_choices([form.country.data or "", *association.heritage_countries])
    form.partnership_id.choices = [("", _("Not part of a partnership"))] + [
        (str(p.id), p.name) for p in missions.partnership_choices(association)]


@bp.route("/associations/<slug>/missions/new", methods=["GET", "POST"])
@login_required
@loads(association="manage")
def new(association):
    form = MissionForm()
    if not form.is_submitted() and len(association.heritage_countries) == 1:
        form.country.data = association.heritage_countries[0]
    _mission_choices(form, association)
    if form.validate_on_submit():
        try:
            mission = missions.create(current_user, association, form.values())
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("The mission “%(title)s” is planned. Invite its team from its page.", title=mission.title),
                  "success")
            return redirect(url_for("missions.show", slug=association.slug, mission_id=mission.id))
    return form_page("contributions/missions/form.html", form, association=association, mission=None)


@bp.route("/associations/<slug>/missions/<int:mission_id>/edit", methods=["GET", "POST"])
@login_required
@loads(association="view", mission="manage")
def edit(association, mission):
    if not mission.allows("edit"):
        flash(str(MISSION_STATES.action("edit").refusal), "error")
        return _to_mission(mission)
    if request.method == "GET":
        form = MissionForm(data={name: getattr(mission, name) for name in missions.FIELDS}
                           | {"version": str(mission.version),
                              "partnership_id": str(mission.partnership_id or "")})
    else:
        form = MissionForm()
    _mission_choices(form, association)
    edit = save_edit(form, lambda: missions.update(current_user, mission, form.values(), form.version.data),
                     lambda: mission.version)
    if edit.saved:
        flash(_("Your changes have been saved."), "success")
        return _to_mission(mission)
    return form_page("contributions/missions/form.html", form, association=association, mission=mission,
                     conflict=edit.conflict)


# ---------------------------------------------------------------------------- the mission's page


def _to_mission(mission):
    return redirect(url_for("missions.show", slug=mission.association.slug, mission_id=mission.id))


def _mission_page(association, mission, invite_form=None, reflection_form=None, status=200):
    officer = allowed(current_user, "mission", "manage", mission)
    team = missions.team_of(mission)
    if not officer:  # the invited see who is on the team, not who was asked or said no
        team = [p for p in team if p.status == "accepted" or p.user_id == current_user.id]
    contribution = missions.contribution_of(current_user, mission) if mission.status == "reported" else None
    if reflection_form is None and contribution is not None:
        reflection_form = ReflectionForm(data={"reflection": contribution.reflection})
    return render_template(
        "contributions/missions/show.html", association=association, mission=mission, officer=officer,
        team=team, place=place_of(current_user, mission), invite_form=invite_form or TeamInviteForm(),
        contribution=contribution, reflection_form=reflection_form,
        partnership_visible=mission.partnership is not None and allowed(
            current_user, "partnership", "view", mission.partnership),
        state_actions=[action for action in STATE_ACTIONS if mission.allows(action)],
        waiting=mission.waiting() if officer else []), status


@bp.get("/associations/<slug>/missions/<int:mission_id>")
@login_required
@loads(association="view", mission="view")
def show(association, mission):
    return _mission_page(association, mission)


def _move(mission, action: str, done: str):
    try:
        missions.move(current_user, mission, action)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return _to_mission(mission)


@bp.post("/associations/<slug>/missions/<int:mission_id>/start")
@login_required
@loads(association="view", mission="manage")
def start(association, mission):
    return _move(mission, "start", _("The mission is under way."))


@bp.post("/associations/<slug>/missions/<int:mission_id>/complete")
@login_required
@loads(association="view", mission="manage")
def complete(association, mission):
    return _move(mission, "complete", _("The mission is completed. Mark who took part, then report it."))


@bp.post("/associations/<slug>/missions/<int:mission_id>/cancel")
@login_required
@loads(association="view", mission="manage")
def cancel(association, mission):
    return _move(mission, "cancel", _("The mission is cancelled."))


# ---------------------------------------------------------------------------- the team


@bp.post("/associations/<slug>/missions/<int:mission_id>/team")
@login_required
@loads(association="view", mission="manage")
def invite(association, mission):
    form = TeamInviteForm()
    if form.validate_on_submit():
        try:
            place = missions.invite(current_user, mission, form.email.data, form.role.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("We have emailed %(name)s an invitation onto the team.", name=place.user.name), "success")
            return _to_mission(mission)
    return _mission_page(association, mission, invite_form=form, status=INVALID)


@bp.post("/associations/<slug>/missions/<int:mission_id>/team/<int:place_id>/took-part")
@login_required
@loads(association="view", mission="manage", team_place="manage")
def took_part(association, mission, team_place):
    form = TookPartForm()
    if not form.validate_on_submit() or form.took_part.data not in ("yes", "no"):
        abort(400)
    try:
        missions.mark_took_part(current_user, team_place, form.took_part.data == "yes")
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s took part.", name=team_place.user.name) if team_place.took_part
              else _("%(name)s did not take part.", name=team_place.user.name), "success")
    return _to_mission(mission)


def _answer(mission, place, action: str, done: str):
    try:
        missions.answer(current_user, place, action)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    if request.form.get("back") == "mine":
        return redirect(url_for("missions.mine"))
    return _to_mission(mission)


@bp.post("/associations/<slug>/missions/<int:mission_id>/team/<int:place_id>/accept")
@login_required
@loads(association="view", mission="view", team_place="answer")
def accept(association, mission, team_place):
    return _answer(mission, team_place, "accept", _("You are on the team of “%(title)s”.", title=mission.title))


@bp.post("/associations/<slug>/missions/<int:mission_id>/team/<int:place_id>/decline")
@login_required
@loads(association="view", mission="view", team_place="answer")
def decline(association, mission, team_place):
    return _answer(mission, team_place, "decline",
                   _("You have declined the place on “%(title)s”.", title=mission.title))


# ---------------------------------------------------------------------------- reporting


@bp.route("/associations/<slug>/missions/<int:mission_id>/report", methods=["GET", "POST"])
@login_required
@loads(association="view", mission="manage")
def report(association, mission):
    if not mission.allows("report"):
        flash(mission.refusal("report"), "error")
        return _to_mission(mission)
    form = ReportForm() if request.method == "POST" else ReportForm(data={"version": str(mission.version)})
    edit = save_edit(form, lambda: missions.report(current_user, mission, form.values(), form.version.data),
                     lambda: mission.version)
    if edit.saved:
        verified = sum(1 for contribution in edit.result if contribution.is_verified)
        flash(ngettext("The mission is reported. %(num)d team member has a verified contribution in their "
                       "portfolio, and we have emailed them.",
                       "The mission is reported. %(num)d team members have a verified contribution in their "
                       "portfolio, and we have emailed them.", verified), "success")
        if verified < len(edit.result):
            flash(_("Your own part is in your portfolio, awaiting verification by another officer of the "
                    "association: nobody verifies their own contribution."), "info")
        return _to_mission(mission)
    team = missions.team_of(mission)
    return form_page("contributions/missions/report.html", form, association=association, mission=mission,
                     conflict=edit.conflict, credited=missions.reported_team(team),
                     yours={place.id for place in missions.reported_for_another_officer(current_user, team)})


@bp.post("/associations/<slug>/missions/<int:mission_id>/reflection")
@login_required
@loads(association="view", mission="view")
def reflection(association, mission):
    contribution = missions.contribution_of(current_user, mission)
    if contribution is None:
        abort(404)
    form = ReflectionForm()
    if form.validate_on_submit():
        try:
            missions.add_reflection(current_user, contribution, form.reflection.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("Your reflection is saved with your contribution."), "success")
            return _to_mission(mission)
    return _mission_page(association, mission, reflection_form=form, status=INVALID)


# ---------------------------------------------------------------------------- partnerships


@bp.get("/associations/<slug>/partnerships")
@login_required
@loads(association="directory")
def partnership_list(association):
    page = page_of(partnerships.partnerships_of(association), partnerships.BY_NAME)
    return render_template("contributions/partnerships/index.html", association=association, page=page,
                           officer=allowed(current_user, "association", "manage", association))


@bp.route("/associations/<slug>/partnerships/new", methods=["GET", "POST"])
@login_required
@loads(association="manage")
def new_partnership(association):
    form = PartnershipForm()
    if form.validate_on_submit():
        try:
            partnership = partnerships.create(current_user, association, form.values())
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("The partnership “%(name)s” is saved.", name=partnership.name), "success")
            return redirect(url_for("missions.partnership", slug=association.slug, partnership_id=partnership.id))
    return form_page("contributions/partnerships/form.html", form, association=association, partnership=None)


@bp.route("/associations/<slug>/partnerships/<int:partnership_id>/edit", methods=["GET", "POST"])
@login_required
@loads(association="view", partnership="manage")
def edit_partnership(association, partnership):
    if request.method == "GET":
        form = PartnershipForm(data={name: getattr(partnership, name) for name in partnerships.FIELDS}
                               | {"version": str(partnership.version)})
    else:
        form = PartnershipForm()
    edit = save_edit(form, lambda: partnerships.update(current_user, partnership, form.values(), form.version.data),
                     lambda: partnership.version)
    if edit.saved:
        flash(_("Your changes have been saved."), "success")
        return redirect(url_for("missions.partnership", slug=association.slug, partnership_id=partnership.id))
    return form_page("contributions/partnerships/form.html", form, association=association,
                     partnership=partnership, conflict=edit.conflict)


@bp.get("/associations/<slug>/partnerships/<int:partnership_id>")
@login_required
@loads(association="view", partnership="view")
def partnership(association, partnership):
    officer = allowed(current_user, "partnership", "manage", partnership)
    page = page_of(partnerships.missions_in(partnership), partnerships.MISSIONS_NEWEST_FIRST) if officer else None
    return render_template("contributions/partnerships/show.html", association=association,
                           partnership=partnership, officer=officer, totals=partnerships.totals_of(partnership),
                           page=page)
