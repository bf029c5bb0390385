"""The tenant-host end of an impersonation: accept the console's token, and end it."""

from flask import abort, flash, g, redirect, url_for

from app.core.hosts import TenantBlueprint
from app.superadmin import impersonation

bp = TenantBlueprint("impersonation", __name__)


@bp.route("/auth/impersonate/<token>")
def accept(token: str):
    user = impersonation.accept_impersonation(token)
    if user is None:
        abort(404)
    flash(f"You are signed in as {user.email}. Every change you make is made as them.", "warning")
    return redirect(url_for("dashboard.index"))


@bp.route("/auth/impersonation/end", methods=["POST"])
def end():
    if impersonation.current_impersonation() is None:
        return redirect(url_for("auth.login"))
    tenant_id = g.tenant.id
    impersonation.end_impersonation(reason="ended")
    return redirect(impersonation.console_tenant_url(tenant_id, "ended"))
