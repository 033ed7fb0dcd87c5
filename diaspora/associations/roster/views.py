"""The member directory, CSV export and CSV import of an association. Thin: the kinds load
and authorise, the directory/importer/exporter services do the work."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from diaspora.associations import counts, policy
from diaspora.associations.models import MEMBERSHIP_STATES, Membership
from diaspora.associations.roster import directory, exporter, importer
from diaspora.associations.roster.forms import DirectorySearchForm, ImportForm
from diaspora.core import audit
from diaspora.core.access import loads, login_required
from diaspora.core.forms import INVALID, form_page
from diaspora.core.i18n import ngettext
from diaspora.core.pagination import BadCursor, total_of
from diaspora.core.time import today
from diaspora.members.models import CADRES

bp = Blueprint("directory", __name__)

CSV_TYPE = "text/csv; charset=utf-8"


@bp.get("/associations/<slug>/directory")
@login_required
@loads(association="directory")
def index(association):
    officer = policy.is_officer(current_user, association)
    form = DirectorySearchForm(request.args)
    if not officer:
        del form.status  # members only ever see active members: a status filter means nothing
    valid = form.validate()
    filters = form.filters()
    sort = filters.pop("sort", directory.DEFAULT_SORT)
    scope = policy.directory_scope(current_user, association)
    try:
        page = directory.page(scope, association.id, statuses=None if officer else [Membership.ACTIVE],
                              filters=filters, sort=sort, after=request.args.get("after"),
                              before=request.args.get("before"))
    except BadCursor:
        abort(404)
    exact = sum(counts.of(association).values()) if officer and not filters else None
    # A search's total would cost a plan of its own: only filters that are not words get one.
    query = None if filters.get("q") else directory.listing(scope, **filters)
    return render_template(
        "associations/directory.html", association=association, form=form, page=page,
        officer=officer, filters=dict(filters, sort=sort), states=MEMBERSHIP_STATES,
        total=total_of(page, query, exact=exact), rows_html=directory.rows_html,
    ), 200 if valid else INVALID


@bp.get("/associations/<slug>/members/export.csv")
@login_required
@loads(association="manage")
def export(association):
    audit.record("members.exported", association, actor=current_user, changes={"format": "csv"})
    filename = f"{association.slug}-members-{today().isoformat()}.csv"
    return Response(
        stream_with_context(exporter.members_csv(association.id)),
        content_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/associations/<slug>/import")
@login_required
@loads(association="manage")
def import_form(association):
    return _import_page(association, ImportForm())


@bp.get("/associations/<slug>/import/template.csv")
@login_required
@loads(association="manage")
def import_template(association):
    return Response(
        exporter.BOM + importer.template_csv(association),
        content_type=CSV_TYPE,
        headers={"Content-Disposition": 'attachment; filename="members-template.csv"'},
    )


@bp.post("/associations/<slug>/import")
@login_required
@loads(association="manage")
def upload(association):
    form = ImportForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            member_import = importer.upload(association, current_user, upload_file.filename,
                                            upload_file.read())
        except importer.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            return redirect(url_for("directory.preview", slug=association.slug, import_id=member_import.id))
    return _import_page(association, form)


@bp.get("/associations/<slug>/import/<int:import_id>")
@login_required
@loads(association="manage", member_import="manage")
def preview(association, member_import):
    dry_run = None
    if member_import.imported_at is None:
        dry_run = importer.plan(association, member_import.content)
    return render_template("associations/import_preview.html", association=association,
                           member_import=member_import, plan=dry_run)


@bp.post("/associations/<slug>/import/<int:import_id>/confirm")
@login_required
@loads(association="manage", member_import="manage")
def confirm(association, member_import):
    try:
        result = importer.confirm(member_import, current_user)
    except importer.ImportFileError as error:
        flash(str(error), "error")
    else:
        flash(ngettext("%(num)d invitation sent. People become members when they accept it.",
                      "%(num)d invitations sent. People become members when they accept theirs.",
                      result.invited), "success")
    return redirect(url_for("directory.preview", slug=association.slug, import_id=member_import.id))


def _import_page(association, form: ImportForm):
    return form_page("associations/import.html", form, association=association, cadres=CADRES,
                     separator=importer.COUNTRY_SEPARATOR,
                     membership_types=importer.active_membership_types(association))

