import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template

from diaspora.core.access import public
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
