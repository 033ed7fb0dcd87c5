"""A desk's partners: its MoUs with associations (and an association's officers' view of
theirs), and its calls for support (the desk's list, form and answers; the page a member it was
sent to answers on)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diaspora.core.access import allowed, loads, login_required
from diaspora.core.countries import country_name
from diaspora.core.domain import DomainError
from diaspora.core.files import send_stored
from diaspora.core.forms import INVALID, form_page, put_beside_field, save_edit
from diaspora.core.i18n import _, ngettext
from diaspora.core.pagination import page_of
from diaspora.core.time import long_date
from diaspora.desks.partners import calls, mous
from diaspora.desks.partners.forms import AnswerForm, CallForm, MouForm
from diaspora.desks.policy import call_match
from diaspora.members.models import CADRES

bp = Blueprint("desk_partners", __name__)


def region_name(code: str | None) -> str | None:
    from diaspora.core.countries import region_name as named

    return named(code) or None


@bp.context_processor
def page_helpers() -> dict:
    return {"country_name": country_name, "long_date": long_date, "region_name": region_name,
            "mou_status": mous.status_label, "mode_label": calls.mode_label,
            "cadre_label": lambda code: str(CADRES.get(code or "", ""))}


# ---------------------------------------------------------------------------- MoUs


@bp.get("/desks/<int:desk_id>/mous")
@login_required
@loads(desk="work")
def mou_list(desk):
    page = page_of(mous.mous_of_desk(desk), mous.NEWEST_FIRST)
    return render_template("desks/mous/index.html", desk=desk, page=page)


def _mou_choices(form: MouForm) -> None:
    form.association_id.choices = [("", _("Choose an association"))] + mous.association_choices()
    form.status.choices = mous.status_choices()


@bp.route("/desks/<int:desk_id>/mous/new", methods=["GET", "POST"])
@login_required
@loads(desk="work")
def new_mou(desk):
    form = MouForm() if request.method == "POST" else MouForm(data={"status": "draft"})
    _mou_choices(form)
    if form.validate_on_submit():
        try:
            mou = mous.create(current_user, desk, form.values(), form.document.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("The MoU with %(association)s is recorded.", association=mou.association.name), "success")
            return redirect(url_for("desk_partners.mou_list", desk_id=desk.id))
    return form_page("desks/mous/form.html", form, desk=desk, mou=None)


@bp.route("/mous/<int:mou_id>/edit", methods=["GET", "POST"])
@login_required
@loads(mou="manage")
def edit_mou(mou):
    if request.method == "GET":
        form = MouForm(data={name: getattr(mou, name) for name in mous.FIELDS}
                       | {"association_id": str(mou.association_id), "version": str(mou.version)})
    else:
        form = MouForm()
    _mou_choices(form)
    edit = save_edit(form, lambda: mous.update(current_user, mou, form.values(), form.version.data, form.document.data),
                     lambda: mou.version)
    if edit.saved:
        flash(_("Your changes have been saved."), "success")
        return redirect(url_for("desk_partners.mou_list", desk_id=mou.desk_id))
    return form_page("desks/mous/form.html", form, desk=mou.desk, mou=mou, conflict=edit.conflict)


@bp.get("/mous/<int:mou_id>/document")
@login_required
@loads(mou="view")
def mou_document(mou):
    return send_stored(mou.document)


@bp.get("/associations/<slug>/mous")
@login_required
@loads(association="manage")
def association_mous(association):
    page = page_of(mous.mous_of_association(association), mous.NEWEST_FIRST)
    return render_template("desks/mous/association.html", association=association, page=page)


# ---------------------------------------------------------------------------- calls for support


@bp.get("/desks/<int:desk_id>/calls")
@login_required
@loads(desk="work")
def call_list(desk):
    page = page_of(calls.calls_of(desk), calls.NEWEST_FIRST)
    return render_template("desks/calls/index.html", desk=desk, page=page)


@bp.route("/desks/<int:desk_id>/calls/new", methods=["GET", "POST"])
@login_required
@loads(desk="work")
def new_call(desk):
    form = CallForm()
    from diaspora.contributions.logbook.forms import region_choices

    form.region.choices = region_choices([desk.country])
    form.mode.choices = calls.mode_choices()
    if form.validate_on_submit():
        try:
            call, told = calls.post(current_user, desk, form.values())
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(ngettext("The call is posted and was sent to %(num)d member who could meet it.",
                           "The call is posted and was sent to %(num)d members who could meet it.", told),
                  "success")
            if told < current_app.config["DISCLOSURE_THRESHOLD"]:
                flash(_("Its page says why it did not reach more members: who lacks availability over "
                        "these dates, a licence, or has not chosen to share their profile with the desk."), "info")
            return redirect(url_for("desk_partners.call", call_id=call.id))
    return form_page("desks/calls/form.html", form, desk=desk)


def _call_page(call, answer_form=None, status=200):
    desk_view = allowed(current_user, "support_call", "manage", call)
    answered = page_of(calls.answers(call), calls.ANSWERS_FIRST_FIRST) if desk_view else None
    match = call_match(current_user, call)
    if answer_form is None:
        answer_form = AnswerForm(data={"note": match.note if match else None})
    reach = calls.reach_lines(call, current_app.config["DISCLOSURE_THRESHOLD"]) if desk_view else []
    return render_template("desks/calls/show.html", call=call, desk=call.desk, desk_view=desk_view,
                           answered=answered, match=match, answer_form=answer_form, reach=reach), status


@bp.get("/calls/<int:call_id>")
@login_required
@loads(support_call="view")
def call(support_call):
    return _call_page(support_call)


@bp.post("/calls/<int:call_id>/answer")
@login_required
@loads(support_call="answer")
def answer(support_call):
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            calls.answer(current_user, support_call, form.note.data)
        except DomainError as error:
            put_beside_field(form, error)
        else:
            flash(_("Thank you: the desk knows you are interested."), "success")
            return redirect(url_for("desk_partners.call", call_id=support_call.id))
    return _call_page(support_call, answer_form=form, status=INVALID)


@bp.post("/calls/<int:call_id>/close")
@login_required
@loads(support_call="manage")
def close_call(support_call):
    try:
        calls.close(current_user, support_call)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(_("The call is closed."), "success")
    return redirect(url_for("desk_partners.call", call_id=support_call.id))
