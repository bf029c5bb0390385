"""The top bar's search: grouped results as you type (HTMX), and a full results page."""

from flask import render_template, request
from flask_login import current_user, login_required

from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.crm.search.services import search_everything

bp = TenantBlueprint("search", __name__)


@bp.route("/search")
@login_required
def index():
    query = (request.args.get("q") or "").strip()
    if is_htmx():
        groups = search_everything(query, actor=current_user)
        return render_template("crm/search/_results.html", groups=groups, query=query)
    groups = search_everything(query, actor=current_user, per_type=20)
    return render_template("crm/search/index.html", groups=groups, query=query)
