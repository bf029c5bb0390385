"""Audit log for owners and admins: newest first, filter by action or person, keyset pages."""

from flask import render_template, request
from sqlalchemy import select

from app.auth.permissions import requires_permission
from app.core.audit import AuditEvent
from app.core.hosts import TenantBlueprint
from app.core.newest_first import newest_first_page

bp = TenantBlueprint("audit", __name__)

ACTION_GROUPS = {
    "login": "Sign-ins",
    "user": "Team changes",
    "settings": "Settings",
    "tenant": "Agency",
    "plan": "Plan and limits",
    "subscription": "Subscription",
    "impersonation": "Platform support access",
}


@bp.route("/settings/audit")
@requires_permission("audit.view")
def index():
    stmt = select(AuditEvent)
    group = request.args.get("group", "")
    if group in ACTION_GROUPS:
        stmt = stmt.where(AuditEvent.action.startswith(f"{group}."))
    who = request.args.get("q", "").strip()
    if who:
        stmt = stmt.where(AuditEvent.actor_label.ilike(f"%{who}%"))
    page = newest_first_page(stmt, by=AuditEvent.created_at, cursor=request.args.get("cursor"), limit=50)
    return render_template("audit/index.html", page=page, groups=ACTION_GROUPS, group=group, q=who)
