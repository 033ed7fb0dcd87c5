"""The platform admins' page of background work that failed: mail the outbox gave up on and
jobs whose last attempt raised, each with its last error, to retry or discard."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for

from diaspora.core import jobs, outbox
from diaspora.core.access import admin_required, loads, object_kind
from diaspora.core.i18n import _
from diaspora.core.models import FailedJob, OutboxMessage
from diaspora.core.pagination import BadCursor, Ordering, SortKey, paginate
from diaspora.extensions import db

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

NEWEST_MAIL = Ordering([SortKey(OutboxMessage.id, lambda m: m.id, descending=True, kind=int)])
NEWEST_JOB = Ordering([SortKey(FailedJob.id, lambda j: j.id, descending=True, kind=int)])


def masked(address: str) -> str:
    """An address as the admin page shows it: enough to tell mail servers apart (the domain),
    not whose mail it is (a platform admin is no member's officer)."""
    local, _at, domain = (address or "").rpartition("@")
    return f"{local[:1]}…@{domain}" if local else address


def _admins_only(user, action, obj) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_admin)


def _failed_mail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    return message if message is not None and message.status == OutboxMessage.FAILED else None


def register_kinds() -> None:
    object_kind("failed_mail", params=("message_id",), find=_failed_mail, can=_admins_only,
                actions={"view", "manage"})
    object_kind("failed_job", params=("job_id",), find=lambda job_id: db.session.get(FailedJob, job_id),
                can=_admins_only, actions={"view", "manage"})


@bp.get("")
@admin_required
def index():
    try:
        mails = paginate(sa.select(OutboxMessage).where(OutboxMessage.status == OutboxMessage.FAILED),
                         NEWEST_MAIL, after=request.args.get("after"), before=request.args.get("before"),
                         per_page=50)
        failed_jobs = paginate(sa.select(FailedJob), NEWEST_JOB, after=request.args.get("jobs_after"),
                               per_page=50)
    except BadCursor:
        from flask import abort

        abort(404)
    return render_template("core/jobs.html", mails=mails, failed_jobs=failed_jobs,
                           waiting=jobs.pending_count(), masked=masked)


@bp.post("/mail/<int:message_id>/retry")
@admin_required
@loads(failed_mail="manage")
def retry_mail(failed_mail):
    if outbox.retry(failed_mail.id):
        flash(_("The email to %(recipient)s will be sent again.", recipient=masked(failed_mail.recipient)), "success")
    return redirect(url_for("jobs.index"))


@bp.post("/mail/<int:message_id>/discard")
@admin_required
@loads(failed_mail="manage")
def discard_mail(failed_mail):
    recipient = masked(failed_mail.recipient)
    if outbox.discard(failed_mail.id):
        flash(_("The email to %(recipient)s was discarded.", recipient=recipient), "success")
    return redirect(url_for("jobs.index"))


@bp.post("/failed/<int:job_id>/retry")
@admin_required
@loads(failed_job="manage")
def retry_job(failed_job):
    if failed_job.task not in jobs.JOBS:
        flash(_("This job no longer exists; discard it."), "error")
        return redirect(url_for("jobs.index"))
    jobs.enqueue(failed_job.task, *failed_job.arguments)
    db.session.delete(failed_job)
    flash(_("The job was queued again."), "success")
    return redirect(url_for("jobs.index"))


@bp.post("/failed/<int:job_id>/discard")
@admin_required
@loads(failed_job="manage")
def discard_job(failed_job):
    db.session.delete(failed_job)
    flash(_("The job was discarded."), "success")
    return redirect(url_for("jobs.index"))
