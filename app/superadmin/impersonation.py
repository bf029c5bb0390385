"""Impersonating one of a tenant's people (its owner by default, or whoever wrote in to support):
time-limited, bannered, ended with one click, audited twice.

The console issues a single-use token for that person (in the tenant's context) and sends the
admin's browser to the tenant host, which trades it for a session marked as an impersonation.
Both the start and the end are written to the platform audit log and to the tenant's own log.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app, g, redirect, session, url_for
from flask_login import current_user

from app.auth.models import TokenPurpose, User
from app.auth.services import consume_token, issue_login_handoff
from app.auth.sessions import end_session, on_sign_out, start_session
from app.core.audit import AuditEvent, Impersonator, act_as_impersonator, on_impersonated_audit, record_audit
from app.core.context import tenant_context
from app.core.errors import Conflict
from app.core.hosts import TENANT, admin_host
from app.core.ids import parse_uuid
from app.core.security import allow_form_action
from app.core.types import utcnow
from app.plans.banners import Banner, register_banner_provider
from app.superadmin.access import record_platform_audit
from app.tenants.models import Tenant

SESSION_KEY = "impersonation"
# The starts of support access, whose details hold its time limit as "minutes".
IMPERSONATION_DETAIL_ACTIONS = ("impersonation.started", "tenant.impersonation_started")


def start_impersonation(tenant: Tenant, person: User | None, *, admin, reason: str = "") -> str:
    """Issue the hand-off token for the person; returns it for the tenant-host link."""
    if person is None:
        raise Conflict(f"{tenant.name} has no active owner to sign in as.")
    minutes = current_app.config["IMPERSONATION_MINUTES"]
    details = {"admin_id": str(admin.id), "admin_email": admin.email, "minutes": minutes, "reason": reason}
    with tenant_context(tenant.id):
        token = issue_login_handoff(person, purpose=TokenPurpose.IMPERSONATION, details=details)
        record_audit(
            "impersonation.started",
            actor_label=f"{admin.email} (platform admin)",
            target=person,
            target_label=person.email,
            details={"minutes": minutes, "reason": reason},
        )
    record_platform_audit(
        "tenant.impersonation_started",
        tenant_id=tenant.id,
        details={"slug": tenant.slug, "user": person.email, "minutes": minutes, "reason": reason},
    )
    return token


def accept_impersonation(token: str) -> User | None:
    """On the tenant host: trade the token for the person's session, which ends by itself."""
    row = consume_token(token, TokenPurpose.IMPERSONATION)
    if row is None or not row.user.is_active_user:
        return None
    details = row.details or {}
    expires = utcnow() + timedelta(minutes=int(details.get("minutes", current_app.config["IMPERSONATION_MINUTES"])))
    start_session(row.user, tenant_id=g.tenant.id, borrowed=True)
    session[SESSION_KEY] = {
        "admin_id": details.get("admin_id"),
        "admin_email": details.get("admin_email", ""),
        "started_at": utcnow().timestamp(),
        "expires_at": expires.timestamp(),
    }
    return row.user


def current_impersonation() -> dict | None:
    if g.get("host_kind") != TENANT:
        return None
    return session.get(SESSION_KEY)


def end_impersonation(*, reason: str) -> None:
    """Audit the end on both sides and drop the session (`reason`: "ended" or "expired")."""
    audit_impersonation_end(reason)
    end_session()


def audit_impersonation_end(reason: str) -> None:
    """Who ended which tenant's support access, and how long it lasted, in the tenant's log and
    the console's; nothing when the session is no impersonation."""
    info = current_impersonation()
    if not info:
        return
    person_email = getattr(current_user, "email", "")
    duration = _duration_text(info)
    record_audit(
        f"impersonation.{reason}",
        actor_label=f"{info.get('admin_email', '')} (platform admin)",
        target=current_user._get_current_object() if current_user.is_authenticated else None,
        target_label=person_email,
        details={"duration": duration},
    )
    record_platform_audit(
        f"tenant.impersonation_{reason}",
        tenant_id=g.tenant.id,
        details={"slug": g.tenant.slug, "user": person_email, "duration": duration},
        actor_label=info.get("admin_email", ""),
        admin_id=_uuid_or_none(info.get("admin_id")),
    )


def audit_signed_out_impersonation() -> str | None:
    """The admin may leave by the menu's "Sign out" rather than the banner's button: audited
    the same, and back to the agency's page in the console the same."""
    if current_impersonation() is None:
        return None
    audit_impersonation_end("ended")
    return console_tenant_url(g.tenant.id, "ended")


def _duration_text(info: dict) -> str:
    """How long the access lasted, in words ("12 minutes"); sessions started before the start
    was kept say "unknown"."""
    started = info.get("started_at")
    if started is None:
        return "unknown"
    # An expired access is ended at the first request after its end: it lasted until then.
    ended = min(utcnow().timestamp(), float(info.get("expires_at", 0)) or utcnow().timestamp())
    minutes = int(max(0.0, ended - float(started)) // 60)
    if minutes < 1:
        return "less than a minute"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def impersonation_terms_in_details(details: dict) -> dict:
    """A start's time limit in words ("Time limit: 30 minutes"), not "Minutes: 30"."""
    minutes = details.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        return details
    rest = {key: value for key, value in details.items() if key != "minutes"}
    return {**rest, "time_limit": "1 minute" if minutes == 1 else f"{minutes} minutes"}


def _uuid_or_none(value):
    return parse_uuid(value) if value else None


def console_tenant_url(tenant_id, outcome: str) -> str:
    # Console rules carry their literal host, so the URL is built for admin.<BASE_DOMAIN>.
    return url_for("console.tenant", tenant_id=tenant_id, impersonation=outcome, _external=True)


def end_expired_impersonation():
    """before_request on tenant hosts: an impersonation past its time ends by itself."""
    info = current_impersonation()
    if not info or utcnow().timestamp() < float(info.get("expires_at", 0)):
        return None
    tenant_id = g.tenant.id
    end_impersonation(reason="expired")
    return redirect(console_tenant_url(tenant_id, "expired"))


def mark_impersonated_request() -> None:
    """before_request on tenant hosts: audit rows of this request name the platform admin."""
    info = current_impersonation()
    if info:
        act_as_impersonator(info.get("admin_id"), info.get("admin_email", ""))
        # The banner's "End impersonation" ends on the console's tenant page.
        allow_form_action(admin_host())


def mirror_to_platform_audit(event: AuditEvent, impersonator: Impersonator) -> None:
    """Every change an admin makes while impersonating is in the console's log too."""
    record_platform_audit(
        "tenant.impersonated_write",
        tenant_id=event.tenant_id or g.tenant.id,
        details={
            "action": event.action,
            "target_type": event.target_type,
            "target_id": str(event.target_id) if event.target_id else None,
            "target_label": event.target_label,
            "as": event.actor_label,
        },
        actor_label=impersonator.admin_email,
        admin_id=_uuid_or_none(impersonator.admin_id),
    )


def impersonation_banners() -> list[Banner]:
    info = current_impersonation()
    if not info:
        return []

    until = datetime.fromtimestamp(float(info.get("expires_at", 0)), UTC)
    who = getattr(current_user, "email", "the owner")
    return [
        Banner(
            "impersonation",
            "dark",
            "incognito",
            f"You are signed in as {who} on behalf of {info.get('admin_email')} until {until:%H:%M} UTC.",
            url_for("impersonation.end"),
            "End impersonation",
            "post",
        )
    ]


def install(app) -> None:
    register_banner_provider(impersonation_banners)
    on_sign_out(audit_signed_out_impersonation)
    on_impersonated_audit(mirror_to_platform_audit)
    app.before_request(end_expired_impersonation)
    app.before_request(mark_impersonated_request)
