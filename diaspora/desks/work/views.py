"""A desk officer's pages: the desk's queue, the work page of one submission (its answers,
files, whole timeline, assignment, status actions, public reply, internal note), answering
several at once, and the desk's canned replies."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.core.access import loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.files import send_stored
from diaspora.core.forms import INVALID, form_page, put_beside_field, save_edit
from diaspora.core.i18n import _, ngettext
from diaspora.core.time import long_date, today
from diaspora.desks.models import OPEN_STATUSES, SUBMISSION_STATES, TOPICS
from diaspora.desks.submissions.topics import QUESTIONS, answer_label
from diaspora.desks.work import queue as listing
from diaspora.desks.work import work
from diaspora.desks.work.forms import (
    ActionForm,
    AssignForm,
    BulkAnswerForm,
    CannedReplyForm,
    DeleteForm,
    NoteForm,
    ReplyForm,
)

bp = Blueprint("desk_work", __name__)
CONFLICT = 409


@bp.context_processor
def page_helpers() -> dict:
    return {"SUBMISSION_STATES": SUBMISSION_STATES, "TOPICS": TOPICS, "QUESTIONS": QUESTIONS,
            "answer_label": answer_label, "country_name": country_name, "long_date": long_date,
            "overdue": work.overdue, "due_date": work.due_date, "OPEN_STATUSES": OPEN_STATUSES,
            "submitter_of": work.submitter_of, "queue_rows": work.queue_rows}


# ---------------------------------------------------------------------------- the queue


def _queue_page(desk, bulk_form: BulkAnswerForm, status: int = 200):
    filters = listing.Filters.from_args(request.args)
    page = listing.queue_page(desk, current_user, filters)
    return render_template("desks/work/queue.html", desk=desk, page=page, filters=filters,
                           counts=listing.counts_of(desk), attention=listing.attention_of(desk),
                           attention_cap=listing.ATTENTION_CAP, bulk_form=bulk_form, canned=work.canned_replies(desk),
                           today=today()), status


@bp.get("/desks/<int:desk_id>/queue", endpoint="queue")
@login_required
@loads(desk="work")
def queue_page(desk):
    form = BulkAnswerForm(formdata=None)
    chosen = work.canned_reply_of(desk, request.args.get("canned"))
    if chosen is not None:
        form.body.data = chosen.body
    return _queue_page(desk, form)


@bp.post("/desks/<int:desk_id>/queue")
@login_required
@loads(desk="work")
def answer_many(desk):
    form = BulkAnswerForm()
    if form.validate_on_submit():
        try:
            result = work.answer_many(current_user, desk, work.parse_picks(form.picks.data), form.body.data,
                                      resolve=form.resolve.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            if result.resolved:
                flash(ngettext("%(num)d submission answered and resolved. We have emailed its submitter.",
                               "%(num)d submissions answered and resolved. We have emailed each submitter.",
                               result.resolved), "success")
            elif result.answered:
                flash(ngettext("%(num)d submission answered. We have emailed its submitter.",
                               "%(num)d submissions answered. We have emailed each submitter.",
                               result.answered), "success")
            if result.changed_meanwhile:
                flash(ngettext("%(num)d submission was changed by someone else after you opened the queue, so it "
                               "was left alone: open it to read what changed, then answer it.",
                               "%(num)d submissions were changed by someone else after you opened the queue, so "
                               "they were left alone: open them to read what changed, then answer them.",
                               result.changed_meanwhile), "error")
            if result.left_alone:
                flash(ngettext("%(num)d submission is no longer open (or not this desk's), so it was left alone.",
                               "%(num)d submissions are no longer open (or not this desk's), so they were left "
                               "alone.", result.left_alone), "error")
            return redirect(url_for("desk_work.queue", desk_id=desk.id, **listing.Filters.from_args(
                request.args).as_args()))
    return _queue_page(desk, form, INVALID)



# ---------------------------------------------------------------------------- one submission


def _work_page(desk, submission, *, status: int = 200, conflict: str | None = None, **forms):
    fresh = work.submission_for_work(submission.id)
    version = str(fresh.version)
    forms.setdefault("reply_form", ReplyForm(formdata=None))
    forms.setdefault("note_form", NoteForm(formdata=None))
    forms.setdefault("action_form", ActionForm(formdata=None))
    forms.setdefault("assign_form", AssignForm(formdata=None, data={"assignee_id": fresh.assignee_id}))
    for form in forms.values():
        form.version.data = version  # after a conflict: the version saved now, so saving again keeps theirs
    officers = work.officers_of(desk)
    forms["assign_form"].assignee_id.choices = [("", _("Nobody"))] + [
        (str(o.id), _("%(name)s (you)", name=o.name) if o.id == current_user.id else o.name) for o in officers]
    chosen = work.canned_reply_of(desk, request.args.get("canned")) if request.method == "GET" else None
    if chosen is not None:
        forms["reply_form"].body.data = chosen.body
    return render_template("desks/work/show.html", desk=desk, submission=fresh, conflict=conflict,
                           canned=work.canned_replies(desk), assignees=work.assignee_names(fresh),
                           today=today(), **forms), status


@bp.get("/desks/<int:desk_id>/submissions/<int:submission_id>")
@login_required
@loads(desk="work", submission="work")
def work_page(desk, submission):
    return _work_page(desk, submission)


def _change(desk, submission, form_name: str, form, change, done: str):
    """Validate the form, make the change; on a conflict the page again with what is saved
    now and what was typed; on an error the page again with it beside its field."""
    edit = save_edit(form, lambda: change(form), lambda: submission.version)
    if edit.saved:
        flash(done, "success")
        return redirect(url_for("desk_work.work_page", desk_id=desk.id, submission_id=submission.id))
    if edit.conflict:
        return _work_page(desk, submission, status=CONFLICT, conflict=edit.conflict, **{form_name: form})
    return _work_page(desk, submission, status=INVALID, **{form_name: form})


@bp.post("/desks/<int:desk_id>/submissions/<int:submission_id>/assign")
@login_required
@loads(desk="work", submission="work")
def assign(desk, submission):
    def change(form):
        work.assign(current_user, submission, form.assignee_id.data, form.version.data)

    form = AssignForm()  # any id: the service checks it is an officer of this desk
    return _change(desk, submission, "assign_form", form, change, _("The assignment is saved."))


def _act(desk, submission, action: str):
    done = {"acknowledge": _("Acknowledged."), "review": _("It is in review."),
            "resolve": _("Resolved. We have emailed the outcome to the submitter."),
            "close": _("Closed. We have emailed the outcome to the submitter.")}[action]
    return _change(desk, submission, "action_form", ActionForm(),
                   lambda form: work.act(current_user, submission, action, form.version.data, form.outcome.data),
                   done)


def _action_view(action: str):
    """acknowledge, review, resolve, close: a URL and an endpoint each (`desk_work.resolve` ...)."""

    def view(desk, submission):
        return _act(desk, submission, action)

    view.__name__ = view.__qualname__ = action
    return login_required(loads(desk="work", submission="work")(view))


for _action in work.ACTIONS:
    bp.add_url_rule(f"/desks/<int:desk_id>/submissions/<int:submission_id>/{_action}", endpoint=_action,
                    view_func=_action_view(_action), methods=["POST"])


@bp.post("/desks/<int:desk_id>/submissions/<int:submission_id>/reply")
@login_required
@loads(desk="work", submission="work")
def reply(desk, submission):
    return _change(desk, submission, "reply_form", ReplyForm(),
                   lambda form: work.reply(current_user, submission, form.body.data, form.version.data),
                   _("Your reply is on the submission's timeline, and we have emailed it to the submitter."))


@bp.post("/desks/<int:desk_id>/submissions/<int:submission_id>/note")
@login_required
@loads(desk="work", submission="work")
def note(desk, submission):
    return _change(desk, submission, "note_form", NoteForm(),
                   lambda form: work.note(current_user, submission, form.note.data, form.version.data),
                   _("Your internal note is saved. The submitter does not see it."))


@bp.get("/desks/<int:desk_id>/submissions/<int:submission_id>/file")
@login_required
@loads(desk="work", submission="work")
def attachment(desk, submission):
    """A file the submitter attached, named by `?id=` among this submission's files."""
    found = work.attachment_of(submission, request.args.get("id"))
    if found is None:
        abort(404)
    return send_stored(found.file)


# ---------------------------------------------------------------------------- canned replies


@bp.get("/desks/<int:desk_id>/canned-replies")
@login_required
@loads(desk="work")
def canned_replies(desk):
    return render_template("desks/work/canned.html", desk=desk, replies=work.canned_replies(desk),
                           form=CannedReplyForm(formdata=None), delete_form=DeleteForm())


@bp.post("/desks/<int:desk_id>/canned-replies")
@login_required
@loads(desk="work")
def add_canned_reply(desk):
    form = CannedReplyForm()
    if form.validate_on_submit():
        try:
            made = work.add_canned(current_user, desk, form.title.data, form.body.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("“%(title)s” is saved. Choose it when you reply.", title=made.title), "success")
            return redirect(url_for("desk_work.canned_replies", desk_id=desk.id))
    return form_page("desks/work/canned.html", form, desk=desk, replies=work.canned_replies(desk),
                     delete_form=DeleteForm())


@bp.route("/desks/<int:desk_id>/canned-replies/<int:reply_id>/edit", methods=["GET", "POST"])
@login_required
@loads(desk="work", canned_reply="manage")
def edit_canned_reply(desk, canned_reply):
    form = CannedReplyForm(obj=canned_reply) if request.method == "GET" else CannedReplyForm()
    if form.validate_on_submit():
        try:
            work.change_canned(current_user, canned_reply, form.title.data, form.body.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("“%(title)s” is saved.", title=canned_reply.title), "success")
            return redirect(url_for("desk_work.canned_replies", desk_id=desk.id))
    return form_page("desks/work/canned_form.html", form, desk=desk, reply=canned_reply)


@bp.post("/desks/<int:desk_id>/canned-replies/<int:reply_id>/delete")
@login_required
@loads(desk="work", canned_reply="manage")
def delete_canned_reply(desk, canned_reply):
    if not DeleteForm().validate_on_submit():
        abort(400)
    title = canned_reply.title
    work.delete_canned(current_user, canned_reply)
    flash(_("“%(title)s” is deleted.", title=title), "success")
    return redirect(url_for("desk_work.canned_replies", desk_id=desk.id))
