import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from diaspora.core.access import admin_required, public
from diaspora.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def home():
    return render_template("core/home.html")


@bp.get("/healthz")
@public
def healthz():
    """The database, the Redis behind the job queue (when it is Redis), and the age of the oldest
    mail waiting to leave. Fast whatever the mail server does: nothing here talks to SMTP, and
    Redis is asked with a short timeout. 503 when the database or Redis does not answer."""
    from diaspora.core import jobs
    from diaspora.core.metrics import oldest_waiting_seconds
    from diaspora.core.time import utcnow

    report: dict = {"status": "ok"}
    try:
        db.session.execute(sa.text("SELECT 1"))
        report["database"] = "ok"
        report["oldest_waiting_job_seconds"] = round(oldest_waiting_seconds(utcnow()), 1)
    except sa.exc.SQLAlchemyError:
        report.update(status="error", database="unreachable")
    if jobs.is_redis():
        try:
            jobs.ping_redis()
            report["redis"] = "ok"
        except Exception:
            report.update(status="error", redis="unreachable")
    else:
        report["redis"] = "not used"
    try:
        report["jobs_waiting"] = jobs.pending_count()
    except Exception:
        report["jobs_waiting"] = None
    return jsonify(report), 200 if report["status"] == "ok" else 503


@bp.get("/favicon.ico")
@public
def favicon():
    from flask import redirect, url_for

    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/admin/styleguide")
@admin_required
def styleguide():
    """Every component of the design system, rendered from the same macros as the pages."""
    from diaspora.core.states import Action, StateMachine
    from diaspora.core.styleguide import SAMPLE_STATES, sample_form

    return render_template("core/styleguide.html", states=SAMPLE_STATES, form=sample_form(),
                           machine_type=(StateMachine, Action))
