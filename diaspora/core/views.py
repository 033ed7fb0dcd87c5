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
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


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
