"""Subscription changes of one tenant: plan, status, trial, overrides — each with its history.

Used by the console, the operator CLI, the scheduler and (later) billing. Every change writes a
`StatusChange` row and a tenant audit row naming who made it; callers in the console add the
platform audit row. The rows carry `tenant_id` explicitly, so the functions work in the
tenant's context as well as in platform scope.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.newest_first import newest_first_rows
from app.core.request_cache import per_request
from app.core.text import plural
from app.core.types import utcnow
from app.plans.models import FEATURE_KEYS, LIMIT_KEYS, Plan, StatusChange
from app.tenants.models import Tenant, TenantStatus

MAX_TRIAL_EXTENSION_DAYS = 90
MAX_LIMIT_OVERRIDE = 10**12
SYSTEM_ACTOR = "Atrium scheduler"


def _history(tenant: Tenant, event: str, *, actor_label: str, reason: str = "", **changes) -> StatusChange:
    row = StatusChange(tenant_id=tenant.id, event=event, actor_label=actor_label, reason=reason[:500], **changes)
    db.session.add(row)
    return row


def _tenant_audit(tenant: Tenant, action: str, *, actor_label: str, details: dict) -> None:
    """The agency's own audit log shows what the platform changed about its subscription."""
    db.session.add(
        AuditEvent(
            tenant_id=tenant.id,
            actor_label=actor_label,
            action=action,
            target_type="tenant",
            target_id=tenant.id,
            target_label=tenant.name,
            details=details,
            ip_address=request.remote_addr if has_request_context() else None,
        )
    )


def get_plan_or_error(plan_code: str) -> Plan:
    plan = db.session.get(Plan, (plan_code or "").strip().lower())
    if plan is None:
        raise ValidationFailed("Unknown plan.", details={"plan": [f"There is no plan “{plan_code}”."]})
    return plan


def change_plan(tenant: Tenant, plan_code: str, *, actor_label: str, reason: str = "") -> bool:
    """Move the tenant to another plan. A downgrade keeps every record: over-limit data stays
    readable and only new creates are refused. Returns False when nothing changed."""
    plan = get_plan_or_error(plan_code)
    if plan.code == tenant.plan_code:
        return False
    old = tenant.plan_code
    tenant.plan_code = plan.code
    tenant.plan = plan
    _history(tenant, "plan_changed", actor_label=actor_label, reason=reason, plan_from=old, plan_to=plan.code)
    _tenant_audit(tenant, "plan.changed", actor_label=actor_label, details={"from": old, "to": plan.code})
    return True


def set_status(tenant: Tenant, status: str, *, actor_label: str, reason: str = "") -> bool:
    """Change the subscription status; past_due starts its grace clock. False when unchanged."""
    if status not in TenantStatus.ALL:
        raise ValidationFailed("Unknown status.", details={"status": [f"Choose one of {', '.join(TenantStatus.ALL)}."]})
    if status == tenant.status:
        return False
    old = tenant.status
    tenant.status = status
    tenant.status_reason = reason[:500] or None
    if status == TenantStatus.PAST_DUE:
        tenant.past_due_since = utcnow()
    else:
        tenant.past_due_since = None
    _history(tenant, "status_changed", actor_label=actor_label, reason=reason, status_from=old, status_to=status)
    _tenant_audit(
        tenant,
        "subscription.status_changed",
        actor_label=actor_label,
        details={"from": old, "to": status, "reason": reason},
    )
    return True


def suspend(tenant: Tenant, *, reason: str, actor_label: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Reason required.", details={"reason": ["Say why the agency is suspended."]})
    if tenant.status == TenantStatus.SUSPENDED:
        raise Conflict("This agency is already suspended.")
    set_status(tenant, TenantStatus.SUSPENDED, actor_label=actor_label, reason=reason)


def reactivate(tenant: Tenant, *, reason: str, actor_label: str) -> None:
    """Back to full access: active (or trialing, while a trial is still running)."""
    if tenant.status not in (TenantStatus.SUSPENDED, TenantStatus.CANCELED, TenantStatus.PAST_DUE):
        raise Conflict("This agency is not suspended, canceled or past due.")
    trial_running = tenant.trial_ends_at is not None and tenant.trial_ends_at > utcnow()
    target = TenantStatus.TRIALING if trial_running else TenantStatus.ACTIVE
    set_status(tenant, target, actor_label=actor_label, reason=(reason or "").strip() or "Reactivated")


def trial_extension_refusal(tenant: Tenant) -> str | None:
    """Why the agency gets no more trial, or None. A suspended or canceled one is reactivated
    first; an active one on a paid plan (paid through Stripe or set in the console) has no
    trial, and giving it one would move it to Free when that trial ends (expire_trial)."""
    if tenant.status not in (TenantStatus.TRIALING, TenantStatus.ACTIVE):
        return "A trial can be extended once the agency is reactivated."
    if tenant.status == TenantStatus.ACTIVE and tenant.plan_code != "free":
        return "An agency on a paid plan has no trial to extend: when the trial ended, it would fall to the Free plan."
    return None


def _zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.timezone or "UTC")


def extend_trial(tenant: Tenant, days: int, *, actor_label: str, reason: str = "") -> None:
    """Push the trial end out by `days` (a lapsed trial restarts from today)."""
    if not isinstance(days, int) or not 1 <= days <= MAX_TRIAL_EXTENSION_DAYS:
        raise ValidationFailed(
            "Invalid number of days.", details={"days": [f"Enter 1 to {MAX_TRIAL_EXTENSION_DAYS} days."]}
        )
    refusal = trial_extension_refusal(tenant)
    if refusal:
        raise Conflict(refusal)
    now = utcnow()
    start = tenant.trial_ends_at if tenant.trial_ends_at and tenant.trial_ends_at > now else now
    old_end = tenant.trial_ends_at
    old_status = tenant.status
    tenant.trial_ends_at = start + timedelta(days=days)
    tenant.status = TenantStatus.TRIALING
    _history(
        tenant,
        "trial_extended",
        actor_label=actor_label,
        # The owner reads this on the plan page: the day on the agency's clock, not UTC's.
        reason=reason or f"+{plural(days, 'day')}, until {tenant.trial_ends_at.astimezone(_zone(tenant)):%d %b %Y}",
        status_from=old_status,
        status_to=TenantStatus.TRIALING,
    )
    _tenant_audit(
        tenant,
        "subscription.trial_extended",
        actor_label=actor_label,
        details={
            "days": days,
            "from": old_end.isoformat() if old_end else None,
            "to": tenant.trial_ends_at.isoformat(),
        },
    )


def parse_limit(value) -> int | None:
    """'unlimited' (or None) → None; otherwise a non-negative integer."""
    if value is None:
        return None
    text = str(value).strip().lower().replace(",", "").replace("_", "")
    if text in ("unlimited", "none", "∞"):
        return None
    if not text.isdigit() or int(text) > MAX_LIMIT_OVERRIDE:
        raise ValidationFailed("Invalid limit.", details={"value": ["Enter a whole number or “unlimited”."]})
    return int(text)


def set_limit_override(tenant: Tenant, resource: str, value, *, actor_label: str, remove: bool = False) -> None:
    """Override one limit for this tenant (`value` None = unlimited); `remove` restores the plan's."""
    if resource not in LIMIT_KEYS:
        raise ValidationFailed("Unknown limit.", details={"resource": [f"Choose one of {', '.join(LIMIT_KEYS)}."]})
    overrides = dict(tenant.limit_overrides or {})
    old = overrides.get(resource, "plan default")
    if remove:
        overrides.pop(resource, None)
        new = "plan default"
    else:
        overrides[resource] = parse_limit(value) if not isinstance(value, int) else value
        new = overrides[resource]
    if old == new:
        return
    tenant.limit_overrides = overrides
    _history(tenant, "limit_override", actor_label=actor_label, reason=f"{resource}: {_show(old)} → {_show(new)}")
    _tenant_audit(
        tenant, "plan.limit_overridden", actor_label=actor_label, details={"resource": resource, "from": old, "to": new}
    )


def set_feature_override(tenant: Tenant, feature: str, enabled: bool | None, *, actor_label: str) -> None:
    """Force a feature on (True) or off (False) for this tenant, or follow the plan (None)."""
    if feature not in FEATURE_KEYS:
        raise ValidationFailed("Unknown feature.", details={"feature": [f"Choose one of {', '.join(FEATURE_KEYS)}."]})
    overrides = dict(tenant.feature_overrides or {})
    old = overrides.get(feature)
    if old == enabled:
        return
    if enabled is None:
        overrides.pop(feature, None)
    else:
        overrides[feature] = bool(enabled)
    tenant.feature_overrides = overrides
    labels = {None: "plan default", True: "on", False: "off"}
    _history(
        tenant, "feature_override", actor_label=actor_label, reason=f"{feature}: {labels[old]} → {labels[enabled]}"
    )
    _tenant_audit(
        tenant, "plan.feature_overridden", actor_label=actor_label, details={"feature": feature, "to": labels[enabled]}
    )


def _show(value) -> str:
    if value is None:
        return "unlimited"
    return f"{value:,}" if isinstance(value, int) else str(value)


def expire_trial(tenant: Tenant, *, now=None) -> bool:
    """A trial that ran out without payment falls to the free plan (no data is deleted)."""
    now = now or utcnow()
    if tenant.status != TenantStatus.TRIALING or tenant.trial_ends_at is None or tenant.trial_ends_at > now:
        return False
    old_plan = tenant.plan_code
    tenant.status = TenantStatus.ACTIVE
    tenant.trial_ends_at = None
    if old_plan != "free":
        tenant.plan_code = "free"
        tenant.plan = db.session.get(Plan, "free")
    _history(
        tenant,
        "trial_ended",
        actor_label=SYSTEM_ACTOR,
        reason="The trial ended without a paid subscription.",
        status_from=TenantStatus.TRIALING,
        status_to=TenantStatus.ACTIVE,
        plan_from=old_plan,
        plan_to="free",
    )
    _tenant_audit(tenant, "subscription.trial_ended", actor_label=SYSTEM_ACTOR, details={"plan": [old_plan, "free"]})
    return True


def grace_already_ended(tenant: Tenant) -> bool:
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(StatusChange)
            .where(
                StatusChange.tenant_id == tenant.id,
                StatusChange.event == "grace_ended",
                StatusChange.created_at >= tenant.past_due_since,
            )
        )
    )


def end_past_due_grace(tenant: Tenant, *, grace_days: int, now=None) -> bool:
    """Record that a past-due tenant's grace period is over: from now on it is read-only."""
    now = now or utcnow()
    if tenant.status != TenantStatus.PAST_DUE or tenant.past_due_since is None:
        return False
    if now < tenant.past_due_since + timedelta(days=grace_days) or grace_already_ended(tenant):
        return False
    reason = f"Unpaid for {plural(grace_days, 'day')}: the workspace is read-only until the subscription is settled."
    tenant.status_reason = reason
    _history(
        tenant,
        "grace_ended",
        actor_label=SYSTEM_ACTOR,
        reason=reason,
        status_from=TenantStatus.PAST_DUE,
        status_to=TenantStatus.PAST_DUE,
    )
    _tenant_audit(tenant, "subscription.read_only", actor_label=SYSTEM_ACTOR, details={"grace_days": grace_days})
    return True


def list_history(tenant_id, limit: int = 50) -> list[StatusChange]:
    stmt = select(StatusChange).where(StatusChange.tenant_id == tenant_id)
    return newest_first_rows(stmt, by=StatusChange.created_at, limit=limit)


# Actions whose details name plans by code ("from"/"to", "plan"): the log shows their names.
PLAN_DETAIL_ACTIONS = ("plan.changed", "subscription.trial_ended", "billing.plan_change_started")


def plan_names() -> dict[str, str]:
    """Every plan's name by its code, read once per request (for rows that keep a plan's code)."""
    return per_request("plan_names", lambda: dict(db.session.execute(select(Plan.code, Plan.name)).all()))


def plan_names_in_details(details: dict) -> dict:
    """An audit row's details with each plan code read as the plan's name ("premium" ->
    "Premium"); a code no plan has any more stays as written."""
    names = plan_names()

    def named(value):
        if isinstance(value, list | tuple):
            return [named(item) for item in value]
        return names.get(value, value) if isinstance(value, str) else value

    return {key: named(value) if key in ("from", "to", "plan") else value for key, value in details.items()}


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "plan.changed": "Plan changed",
    "plan.limit_overridden": "Limit changed by Atrium",
    "plan.feature_overridden": "Feature changed by Atrium",
    "subscription.status_changed": "Subscription status changed",
    "subscription.trial_extended": "Trial extended",
    "subscription.trial_ended": "Trial ended",
    "subscription.read_only": "Agency made read-only",
}
