"""Console reads and actions on agencies: the searchable list, one agency's page, its changes.

Reads across tenants happen in the console's platform scope; what belongs to one tenant (its
users, live usage) is read inside that tenant's context. Every action writes a platform audit
row beside the tenant's own history and audit rows.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select

from app.auth.models import Invitation, Role, User
from app.auth.services import list_pending_invitations
from app.core.context import tenant_context
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.pagination import Page, keyset_page
from app.core.types import utcnow
from app.plans import lifecycle, usage
from app.plans.models import Plan
from app.plans.services import countable_resources, effective_limits, entitlements, usage_of_tenants
from app.superadmin.access import record_platform_audit
from app.tenants.models import Tenant, TenantStatus

SORTS = {
    "newest": (Tenant.created_at, True),
    "oldest": (Tenant.created_at, False),
    "name": (Tenant.name, False),
    "slug": (Tenant.slug, False),
}
LIST_USAGE = ("users", "contacts", "emails_per_month")


# A status filter of its own: trials that end within TRIAL_ENDING_DAYS (the overview counts them).
TRIAL_ENDING = "trial_ending"
TRIAL_ENDING_DAYS = 7


def trial_ending_condition(days: int = TRIAL_ENDING_DAYS, now=None):
    now = now or utcnow()
    return and_(
        Tenant.status == TenantStatus.TRIALING,
        Tenant.trial_ends_at >= now,
        Tenant.trial_ends_at <= now + timedelta(days=days),
    )


@dataclass
class TenantFilters:
    q: str = ""
    plan: str = ""
    status: str = ""
    sort: str = "newest"


def search_tenants(filters: TenantFilters, *, cursor: str | None, limit: int = 25) -> Page:
    stmt = select(Tenant)
    if filters.q:
        # autoescape: a typed % or _ is looked for, not a wildcard that matches every agency.
        term = filters.q.strip()
        # Support is reached by a person, so their email finds their agency too (the console
        # reads across tenants in platform scope: this one subquery spans every agency's people).
        people = select(User.tenant_id).where(User.email.icontains(term, autoescape=True))
        stmt = stmt.where(
            or_(
                Tenant.name.icontains(term, autoescape=True),
                Tenant.slug.icontains(term, autoescape=True),
                Tenant.id.in_(people),
            )
        )
    if filters.plan:
        stmt = stmt.where(Tenant.plan_code == filters.plan)
    if filters.status in TenantStatus.ALL:
        stmt = stmt.where(Tenant.status == filters.status)
    elif filters.status == TRIAL_ENDING:
        stmt = stmt.where(trial_ending_condition())
    column, descending = SORTS.get(filters.sort, SORTS["newest"])
    page = keyset_page(
        db.session, stmt, sort_column=column, id_column=Tenant.id, descending=descending, cursor=cursor, limit=limit
    )
    page.extra["usage"] = usage_columns(page.items)
    return page


def usage_columns(tenants: list[Tenant]) -> dict[uuid.UUID, dict[str, dict]]:
    """Live usage for the list's columns: one grouped query per resource for the whole page."""
    if not tenants:
        return {}
    db.session.scalars(select(Plan)).all()  # every plan in the session: tenant.plan costs no query
    countable = countable_resources()
    live = usage_of_tenants(LIST_USAGE, [tenant.id for tenant in tenants])
    columns = {}
    for tenant in tenants:
        limits = effective_limits(tenant, tenant.plan)
        columns[tenant.id] = {}
        for resource in LIST_USAGE:
            used = live.get(tenant.id, {}).get(resource, 0) if resource in countable else None
            level = usage.usage_level(used, limits.get(resource)) if used is not None else "none"
            columns[tenant.id][resource] = {"used": used, "limit": limits.get(resource), "level": level}
    return columns


def get_tenant_or_none(tenant_id) -> Tenant | None:
    return db.session.get(Tenant, tenant_id)


def tenant_overview(tenant: Tenant) -> dict:
    """Live usage against limits, read inside the tenant's context."""
    with tenant_context(tenant.id):
        ent = entitlements(tenant)
        rows = usage.usage_rows(ent)
    return {"ent": ent, "rows": rows, "features": sorted(ent.features)}


def tenant_users(tenant: Tenant) -> list[User]:
    with tenant_context(tenant.id):
        return db.session.scalars(select(User).order_by(User.is_active_user.desc(), User.role, User.email)).all()


def tenant_invitations(tenant: Tenant) -> list[Invitation]:
    """Invitations still waiting: each holds a seat the Users count includes."""
    with tenant_context(tenant.id):
        return list_pending_invitations()


def active_people(tenant: Tenant) -> list[User]:
    """Whom support may sign in as: the agency's active people, owners first."""
    with tenant_context(tenant.id):
        return db.session.scalars(
            select(User)
            .where(User.is_active_user.is_(True))
            .order_by((User.role == Role.OWNER).desc(), User.created_at, User.email)
        ).all()


def person_to_impersonate(tenant: Tenant, chosen: str | None) -> User | None:
    """The agency's active person chosen by id, or its owner when none was chosen (None when it
    has no active owner). Anyone else (another agency's, deactivated, unknown) is refused."""
    if not chosen:
        return find_owner(tenant)
    user_id = parse_uuid(chosen)
    with tenant_context(tenant.id):
        person = db.session.get(User, (tenant.id, user_id)) if user_id else None
    if person is None or not person.is_active_user:
        raise ValidationFailed("Unknown person.", details={"user": [f"Choose one of {tenant.name}'s active people."]})
    return person


def find_owner(tenant: Tenant) -> User | None:
    with tenant_context(tenant.id):
        return db.session.scalar(
            select(User)
            .where(User.role == Role.OWNER, User.is_active_user.is_(True))
            .order_by(User.created_at)
            .limit(1)
        )


# ----------------------------------------------------------------------------- actions

# Another package may own an agency's plan (billing: a Stripe subscription decides it). Each
# check answers why the console must not change it, or None.
PLAN_CHANGE_REFUSALS: list[Callable[[Tenant], str | None]] = []


def register_plan_change_refusal(check: Callable[[Tenant], str | None]) -> None:
    if check not in PLAN_CHANGE_REFUSALS:
        PLAN_CHANGE_REFUSALS.append(check)


def plan_change_refusal(tenant: Tenant) -> str | None:
    """Why the console may not change this agency's plan, or None when it may."""
    for check in PLAN_CHANGE_REFUSALS:
        reason = check(tenant)
        if reason:
            return reason
    return None


def _audit(action: str, tenant: Tenant, **details) -> None:
    record_platform_audit(action, tenant_id=tenant.id, details={"slug": tenant.slug, **details})


def change_tenant_plan(tenant: Tenant, plan_code: str, *, admin, reason: str = "") -> None:
    refusal = plan_change_refusal(tenant)
    if refusal:
        raise Conflict(refusal)
    old = tenant.plan_code
    if not lifecycle.change_plan(tenant, plan_code, actor_label=admin.email, reason=reason):
        raise Conflict(f"{tenant.name} is already on that plan.")
    _audit("tenant.plan_changed", tenant, **{"from": old, "to": tenant.plan_code, "reason": reason})


def override_limits(tenant: Tenant, values: dict[str, str], *, admin) -> int:
    """`values` maps limit → "" (follow the plan), "unlimited" or a number. Returns changes made."""
    before = dict(tenant.limit_overrides or {})
    parsed, errors = {}, {}
    for resource, raw in values.items():
        raw = (raw or "").strip()
        try:
            parsed[resource] = (True, None) if raw == "" else (False, lifecycle.parse_limit(raw))
        except ValidationFailed as exc:
            errors[f"limit_{resource}"] = exc.details.get("value", [exc.message])
    if errors:
        raise ValidationFailed("Please correct the highlighted limits.", details=errors)
    for resource, (remove, value) in parsed.items():
        lifecycle.set_limit_override(tenant, resource, value, actor_label=admin.email, remove=remove)
    after = dict(tenant.limit_overrides or {})
    if after != before:
        _audit("tenant.limits_overridden", tenant, before=before, after=after)
    return sum(1 for key in set(before) | set(after) if before.get(key, "-") != after.get(key, "-"))


def override_features(tenant: Tenant, values: dict[str, str], *, admin) -> None:
    """`values` maps feature → "default", "on" or "off"."""
    before = dict(tenant.feature_overrides or {})
    choices = {"default": None, "on": True, "off": False}
    for feature, choice in values.items():
        if choice not in choices:
            raise ValidationFailed("Invalid choice.", details={f"feature_{feature}": ["Choose default, on or off."]})
        lifecycle.set_feature_override(tenant, feature, choices[choice], actor_label=admin.email)
    after = dict(tenant.feature_overrides or {})
    if after != before:
        _audit("tenant.features_overridden", tenant, before=before, after=after)


def extend_tenant_trial(tenant: Tenant, days: int, *, admin) -> None:
    lifecycle.extend_trial(tenant, days, actor_label=admin.email)
    _audit("tenant.trial_extended", tenant, days=days, until=tenant.trial_ends_at.isoformat())


def suspend_tenant(tenant: Tenant, reason: str, *, admin) -> None:
    lifecycle.suspend(tenant, reason=reason, actor_label=admin.email)
    _audit("tenant.suspended", tenant, reason=reason)


def reactivate_tenant(tenant: Tenant, reason: str, *, admin) -> None:
    old = tenant.status
    lifecycle.reactivate(tenant, reason=reason, actor_label=admin.email)
    _audit("tenant.reactivated", tenant, reason=reason, **{"from": old, "to": tenant.status})
