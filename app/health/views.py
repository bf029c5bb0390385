"""GET /healthz: the app answers and the database answers."""

from flask import jsonify
from sqlalchemy import text

from app.core.extensions import db
from app.core.hosts import AnyHostBlueprint

bp = AnyHostBlueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "error", "db": "unreachable"}), 503
    return jsonify({"status": "ok", "db": "ok"})
