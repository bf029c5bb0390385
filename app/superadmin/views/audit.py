"""The platform audit log: every console action and every cross-tenant read."""

from flask import render_template, request
from sqlalchemy import select

from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.newest_first import newest_first_page
from app.superadmin.access import AUDIT_GROUPS, requires_platform_admin
from app.superadmin.models import PlatformAuditEvent
from app.superadmin.views import bp
from app.tenants.models import Tenant


@bp.route("/audit")
@requires_platform_admin
def audit():
    stmt = select(PlatformAuditEvent)
    group = request.args.get("group", "")
    if group in AUDIT_GROUPS:
        stmt = stmt.where(PlatformAuditEvent.action.startswith(group))
    who = request.args.get("q", "").strip()[:100]
    if who:
        stmt = stmt.where(PlatformAuditEvent.admin_email.ilike(f"%{who}%"))
    tenant_id = parse_uuid(request.args.get("tenant"))
    if tenant_id:
        stmt = stmt.where(PlatformAuditEvent.tenant_id == tenant_id)
    page = newest_first_page(stmt, by=PlatformAuditEvent.created_at, cursor=request.args.get("cursor"), limit=50)
    tenant_ids = {event.tenant_id for event in page.items if event.tenant_id}
    slugs = (
        dict(db.session.execute(select(Tenant.id, Tenant.slug).where(Tenant.id.in_(tenant_ids))).all())
        if tenant_ids
        else {}
    )
    return render_template(
        "superadmin/audit.html", page=page, groups=AUDIT_GROUPS, group=group, q=who, tenant_id=tenant_id, slugs=slugs
    )
