"""The submitter's pages: send structured input to a country's diaspora desk (where and what
about, the topic's questions, "check your answers"), follow it, add information, withdraw it."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.associations.policy import officer_associations
from diaspora.core.access import loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.forms import INVALID, form_page, put_beside_field
from diaspora.core.i18n import _
from diaspora.core.pagination import page_of
from diaspora.core.time import long_date
from diaspora.desks.models import SUBMISSION_STATES, TOPICS
from diaspora.desks.submissions import routing, submissions
from diaspora.desks.submissions.forms import InformationForm, StartForm, answers_of, questions_form
from diaspora.desks.submissions.topics import QUESTIONS, answer_label
from diaspora.extensions import db

bp = Blueprint("submissions", __name__)


@bp.context_processor
def page_helpers() -> dict:
    return {"SUBMISSION_STATES": SUBMISSION_STATES, "TOPICS": TOPICS, "QUESTIONS": QUESTIONS,
            "answer_label": answer_label, "country_name": country_name, "long_date": long_date}


def _associations() -> list[tuple[int, str]]:
    return [(a.id, a.name) for a in db.session.scalars(officer_associations(current_user))]


@bp.get("/submissions")
@login_required
def index():
    page = page_of(submissions.submissions_of(current_user.id), submissions.NEWEST_FIRST)
    return render_template("desks/submissions/index.html", page=page)


@bp.get("/submissions/new")
@login_required
def new():
    """Step one (where and what about); once chosen, step two (the topic's questions)."""
    start = StartForm(request.args)
    start.association.choices = [(0, _("Myself"))] + _associations()
    if not request.args or not start.validate():
        status = INVALID if request.args else 200
        return render_template("desks/submissions/start.html", form=start), status
    association = start.association.data if start.association.data in dict(_associations()) else 0
    form = questions_form(start.topic.data, _associations(), data={"association": str(association or "")})
    return render_template("desks/submissions/questions.html", form=form, country=start.country.data,
                           desk=routing.desk_for(start.country.data, start.topic.data))


@bp.post("/submissions/new")
@login_required
def send():
    """Step two sent: with errors, the questions again; without, "check your answers"; once
    confirmed, the submission."""
    country, topic = (request.args.get("country") or "").upper()[:2], request.args.get("topic") or ""
    if topic not in QUESTIONS or not country_name(country) or country_name(country) == country:
        flash(_("Choose the country and the topic again."), "error")
        return redirect(url_for("submissions.new"))
    form = questions_form(topic, _associations())
    desk = routing.desk_for(country, topic)
    association = _chosen_association(form.association.data or 0)
    if not form.validate_on_submit():
        return form_page("desks/submissions/questions.html", form, country=country, desk=desk)
    if request.form.get("confirmed") != "yes" or request.form.get("change"):
        template = "desks/submissions/questions.html" if request.form.get("change") else "desks/submissions/check.html"
        return render_template(template, form=form, country=country, desk=desk, association=association)
    try:
        made = submissions.send(current_user, country=country, topic=topic, title=form.title.data,
                                answers=answers_of(form), show_identity=form.show_identity.data,
                                association=association, files=request.files.getlist(form.files.name))
    except DomainError as error:
        put_beside_field(form, error)
        return form_page("desks/submissions/questions.html", form, country=country, desk=desk)
    if made.desk is not None:
        flash(_("Sent: your reference is %(reference)s. %(desk)s will acknowledge it by %(date)s; we have emailed "
                "you the details.", reference=made.reference, desk=made.desk.name,
                date=long_date(made.acknowledge_by)), "success")
    else:
        flash(_("Sent: your reference is %(reference)s. No desk of this country takes this topic yet: we have told "
                "the platform's administrators, who will pass it on as soon as one does.",
                reference=made.reference), "success")
    return redirect(url_for("submissions.show", submission_id=made.id))


def _chosen_association(association_id: int):
    from diaspora.associations.models import Association

    if association_id and association_id in dict(_associations()):
        return db.session.get(Association, association_id)
    return None


@bp.get("/submissions/<int:submission_id>")
@login_required
@loads(submission="view")
def show(submission):
    own = submission.user_id == current_user.id
    events = submissions.public_events(submission) if own else submission.events
    return render_template("desks/submissions/show.html", submission=submission, events=events, own=own,
                           form=InformationForm())


@bp.post("/submissions/<int:submission_id>/information")
@login_required
@loads(submission="change")
def add_information(submission):
    form = InformationForm()
    if form.validate_on_submit():
        try:
            submissions.add_information(current_user, submission, form.body.data,
                                        request.files.getlist(form.files.name))
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("Added. The desk sees it on the submission's timeline."), "success")
            return redirect(url_for("submissions.show", submission_id=submission.id))
    return form_page("desks/submissions/show.html", form, submission=submission, own=True,
                     events=submissions.public_events(submission))


@bp.post("/submissions/<int:submission_id>/withdraw")
@login_required
@loads(submission="change")
def withdraw(submission):
    try:
        submissions.withdraw(current_user, submission)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("Withdrawn. The desk sees that you withdrew it."), "success")
    return redirect(url_for("submissions.show", submission_id=submission.id))
