"""Console access: only signed-in platform admins, and every cross-tenant read audited."""

from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from app.core.context import platform_scope
from app.core.extensions import db
from app.superadmin.models import PlatformAdmin, PlatformAuditEvent


def record_platform_audit(
    action: str, *, tenant_id=None, details: dict | None = None, actor_label: str | None = None, admin_id=None
) -> PlatformAuditEvent:
    """Add a platform audit row to the current transaction.

    The signed-in platform admin is the actor; the CLI and the tenant-side end of an
    impersonation name theirs with `actor_label` / `admin_id`.
    """
    admin = (
        current_user
        if isinstance(getattr(current_user, "_get_current_object", lambda: None)(), PlatformAdmin)
        else None
    )
    event = PlatformAuditEvent(
        admin_id=admin_id or getattr(admin, "id", None),
        admin_email=actor_label or getattr(admin, "email", "") or "",
        action=action,
        tenant_id=tenant_id,
        details=details or {},
        ip_address=request.remote_addr if request else None,
    )
    db.session.add(event)
    return event


def is_platform_admin() -> bool:
    return current_user.is_authenticated and isinstance(current_user._get_current_object(), PlatformAdmin)


def requires_platform_admin(view):
    """Console views run signed in as a platform admin, inside platform_scope().

    Anyone else gets the same 404 as an unknown page: the console does not reveal what it has.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_platform_admin():
            abort(404)
        with platform_scope():
            g.in_console = True
            return view(*args, **kwargs)

    return wrapper


def audited_read(action: str, tenant_arg: str | None = "tenant_id"):
    """Decorator for console views that read one tenant's (or every tenant's) data."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            tenant_id = kwargs.get(tenant_arg) if tenant_arg else None
            record_platform_audit(action, tenant_id=tenant_id, details={"path": request.path})
            return view(*args, **kwargs)

        return wrapper

    return decorator


# The audit log's kinds of event: an action prefix and what its events are about. A package
# above the console that writes platform audit rows of its own names its prefix here too.
AUDIT_GROUPS = {
    "console.": "Console sign-ins, admins and page views",
    "tenant.": "Changes to agencies",
    "plan.": "Plan catalogue",
    "outbox.": "Email queue",
}


def register_audit_group(prefix: str, label: str) -> None:
    AUDIT_GROUPS.setdefault(prefix, label)


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "console.login": "Console sign-in",
    "console.login_failed": "Console sign-in failed",
    "console.2fa_enabled": "Console two-factor turned on",
    "console.2fa_disabled": "Console two-factor turned off",
    "console.admin_added": "Platform admin added",
    "console.admin_removed": "Platform admin removed",
    "console.admin_restored": "Platform admin given access back",
    "console.admin_2fa_reset": "Platform admin's two-factor reset",
    "console.dashboard_viewed": "Overview viewed",
    "console.tenants_listed": "Agencies listed",
    "console.tenant_viewed": "Agency viewed",
    "console.jobs_viewed": "Jobs viewed",
    "tenant.plan_changed": "Agency's plan changed",
    "tenant.limits_overridden": "Agency's limits changed",
    "tenant.limit_overridden": "Agency's limit changed",
    "tenant.features_overridden": "Agency's features changed",
    "tenant.suspended": "Agency suspended",
    "tenant.reactivated": "Agency reactivated",
    "tenant.trial_extended": "Agency's trial extended",
    "tenant.impersonation_started": "Support access started",
    "tenant.impersonation_ended": "Support access ended",
    "tenant.impersonation_expired": "Support access expired",
    "tenant.impersonated_write": "Change made during support access",
    "impersonation.started": "Atrium support signed in as you",
    "impersonation.ended": "Atrium support access ended",
    "impersonation.expired": "Atrium support access expired",
    "plan.created": "Plan created",
    "plan.updated": "Plan changed",
    "plan.deleted": "Plan deleted",
    "outbox.message_retried": "Email retried",
}
