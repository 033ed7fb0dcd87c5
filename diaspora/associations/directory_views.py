"""The member directory, CSV export and CSV import of an association. Thin: the policy says
who may come in, the directory/importer/exporter services do the work."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from diaspora.associations import directory, exporter, importer, policy
from diaspora.associations.directory_forms import STATUS_LABELS, DirectorySearchForm, ImportForm
from diaspora.core import audit
from diaspora.core.access import login_required
from diaspora.core.forms import INVALID, form_page
from diaspora.core.time import today
from diaspora.extensions import db
from diaspora.members.models import CADRES

bp = Blueprint("directory", __name__)

CSV_TYPE = "text/csv; charset=utf-8"


@bp.get("/associations/<slug>/directory")
@login_required
def index(slug: str):
    association = policy.load_association(slug, current_user, "directory")
    officer = policy.is_officer(current_user, association)
    form = DirectorySearchForm(request.args)
    if not officer:
        del form.status  # members only ever see active members: a status filter means nothing
    valid = form.validate()
    filters = form.filters()
    query = directory.search(policy.directory_scope(current_user, association), **filters)
    page = db.paginate(query, page=request.args.get("page", 1, type=int),
                       per_page=directory.PER_PAGE, error_out=False)
    return render_template(
        "associations/directory.html", association=association, form=form, page=page,
        officer=officer, filters=filters, status_labels=STATUS_LABELS,
    ), 200 if valid else INVALID


@bp.get("/associations/<slug>/members/export.csv")
@login_required
def export(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    audit.record("members.exported", association, changes={"format": "csv"})
    filename = f"{association.slug}-members-{today().isoformat()}.csv"
    return Response(
        stream_with_context(exporter.members_csv(association.id)),
        content_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "private, no-store"},
    )


@bp.get("/associations/<slug>/import")
@login_required
def import_form(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    return _import_page(association, ImportForm())


@bp.get("/associations/<slug>/import/template.csv")
@login_required
def import_template(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    return Response(
        exporter.BOM + importer.template_csv(association),
        content_type=CSV_TYPE,
        headers={"Content-Disposition": 'attachment; filename="members-template.csv"'},
    )


@bp.post("/associations/<slug>/import")
@login_required
def upload(slug: str):
    association = policy.load_association(slug, current_user, "manage")
    form = ImportForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            member_import = importer.upload(association, current_user, upload_file.filename,
                                            upload_file.read())
        except importer.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            return redirect(url_for("directory.preview", slug=slug, import_id=member_import.id))
    return _import_page(association, form)


@bp.get("/associations/<slug>/import/<int:import_id>")
@login_required
def preview(slug: str, import_id: int):
    association = policy.load_association(slug, current_user, "manage")
    member_import = policy.load_import(association, import_id)
    dry_run = None
    if member_import.imported_at is None:
        dry_run = importer.plan(association, member_import.content)
    return render_template("associations/import_preview.html", association=association,
                           member_import=member_import, plan=dry_run)


@bp.post("/associations/<slug>/import/<int:import_id>/confirm")
@login_required
def confirm(slug: str, import_id: int):
    association = policy.load_association(slug, current_user, "manage")
    member_import = policy.load_import(association, import_id)
    try:
        result = importer.confirm(member_import, current_user)
    except importer.ImportFileError as error:
        flash(str(error), "error")
    else:
        flash(f"{result.imported} member{'s' if result.imported != 1 else ''} imported. "
              f"{_invitations(result)}", "success")
    return redirect(url_for("directory.preview", slug=slug, import_id=import_id))


def _invitations(result: importer.ImportResult) -> str:
    parts = []
    if result.new_accounts:
        parts.append(f"{result.new_accounts} new account{'s' if result.new_accounts != 1 else ''} "
                     f"will get an email to choose a password")
    if result.existing_accounts:
        parts.append(f"{result.existing_accounts} existing account"
                     f"{'s' if result.existing_accounts != 1 else ''} will get an email saying "
                     f"they were added")
    return (" and ".join(parts) + ".") if parts else ""


def _import_page(association, form: ImportForm):
    return form_page("associations/import.html", form, association=association, cadres=CADRES,
                     separator=importer.COUNTRY_SEPARATOR,
                     membership_types=importer.active_membership_types(association))
