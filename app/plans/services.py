"""Entitlements, enforcement of counted limits, feature gates and usage meters.

`entitlements(tenant)` is the one answer to "may this tenant do X, how much is left";
`enforce(resource, adding=n)` is the only way a create path checks a counted limit.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, wraps

from flask import current_app, g, has_request_context, url_for
from sqlalchemy import ColumnElement, Select, String, and_, bindparam, func, literal, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.context import require_tenant_id
from app.core.errors import FeatureNotAvailable, PlanLimitExceeded, TenantReadOnly
from app.core.extensions import db
from app.core.ids import uuid7
from app.core.types import utcnow
from app.plans.models import (
    FEATURE_KEYS,
    FEATURE_LABELS,
    LIMIT_FEATURES,
    LIMIT_KEYS,
    Plan,
    UsageMeter,
    limit_label,
    you_have,
)
from app.tenants.models import Tenant, TenantStatus

# resource -> function(tenant_id) returning the current count. Domains register theirs.
_usage_counters: dict[str, Callable[[uuid.UUID], int]] = {}
# resource -> function(tenant_ids or None for all) returning {tenant_id: count} in one grouped
# query, for pages that show many tenants (the console). Tenants with none are left out.
GroupedCounter = Callable[[list[uuid.UUID] | None], dict[uuid.UUID, int]]
_grouped_counters: dict[str, GroupedCounter] = {}
_counter_expressions: dict[str, Callable[[uuid.UUID], ColumnElement]] = {}
METERED = {"emails_per_month": "month", "sms_per_month": "month", "api_calls_per_day": "day"}
READ_ONLY_STATUSES = {TenantStatus.SUSPENDED, TenantStatus.CANCELED}


# The catalogue holds every limit and feature a plan may one day sell; the plan pages show only
# those whose code has landed. A counted limit is enforced once a domain registers its counter,
# a metered one once a domain says it consumes it, a feature once a domain says it checks it.
_enforced_meters: set[str] = set()
_offered_features: set[str] = set()


def register_usage_counter(
    resource: str,
    counter: Callable[[uuid.UUID], int],
    grouped: GroupedCounter | None = None,
    expression: Callable[[uuid.UUID], ColumnElement] | None = None,
) -> None:
    """A counted limit (users, contacts…): `counter` tells the tenant's current total,
    `grouped` the totals of many tenants in one query (run in platform scope), `expression`
    the total as SQL, which a page's banners read together with the meters."""
    if resource not in LIMIT_KEYS:
        raise KeyError(f"unknown limit {resource!r}")
    _usage_counters[resource] = counter
    if grouped is not None:
        _grouped_counters[resource] = grouped
    if expression is not None:
        _counter_expressions[resource] = expression


def register_metered_limit(resource: str) -> None:
    """A per-period allowance that some code consumes with `enforce_meter` or `increment_meter`."""
    if resource not in METERED:
        raise KeyError(f"unknown metered limit {resource!r}")
    _enforced_meters.add(resource)


def register_feature(feature: str) -> None:
    """A plan feature that some code checks with `check_feature` or `requires_feature`."""
    if feature not in FEATURE_KEYS:
        raise KeyError(f"unknown feature {feature!r}")
    _offered_features.add(feature)


def has_usage_counter(resource: str) -> bool:
    return resource in _usage_counters


def offered_limits() -> list[str]:
    """The limits the plan, pricing and usage pages show: those enforced by code that exists."""
    return [key for key in LIMIT_KEYS if key in _usage_counters or key in _enforced_meters]


def offered_features() -> list[str]:
    """The features the plan and pricing pages show: those checked by code that exists."""
    return [key for key in FEATURE_KEYS if key in _offered_features]


def tracked_resources() -> list[str]:
    """Resources whose usage we can tell and enforce; snapshots and the usage page list them."""
    return offered_limits()


@dataclass
class Entitlements:
    tenant: Tenant
    plan: Plan
    limits: dict[str, int | None]
    features: frozenset[str]
    read_only: bool
    _usage: dict[str, int] = field(default_factory=dict)
    _read_stored: bool = False

    def has_feature(self, feature: str) -> bool:
        return feature in self.features

    def limit(self, resource: str) -> int | None:
        return self.limits.get(resource)

    def includes(self, resource: str) -> bool:
        """Whether the plan offers `resource` at all (False: the feature it belongs to is missing)."""
        return limit_included(resource, self.features)

    def used(self, resource: str) -> int:
        if resource not in self._usage:
            if not self._read_stored:
                # A page's banners ask for every limit: this period's meters and the record
                # types' maintained counters come in one statement.
                self._read_stored = True
                self._usage.update(stored_usage(self.tenant.id))
            if resource not in self._usage:
                self._usage[resource] = current_usage(self.tenant.id, resource)
        return self._usage[resource]

    def remaining(self, resource: str) -> int | None:
        limit = self.limit(resource)
        return None if limit is None else max(limit - self.used(resource), 0)

    def usage_ratio(self, resource: str) -> float:
        limit = self.limit(resource)
        if limit is None:
            return 0.0
        if limit == 0:
            return 1.0 if self.used(resource) > 0 else 0.0
        return self.used(resource) / limit


def limit_included(name: str, features) -> bool:
    """Whether limit `name` counts at all with these features: a limit tied to a feature
    (automations, custom fields, SMS, API calls) is none without it."""
    feature = LIMIT_FEATURES.get(name)
    return feature is None or feature in features


def get_plan_limit(plan: Plan, name: str) -> int | None:
    """What `plan` allows of limit `name` (None: unlimited); 0 when the plan lacks the feature
    the limit belongs to. Every page that shows a plan's limits reads them here."""
    if not limit_included(name, plan.features or ()):
        return 0
    return (plan.limits or {}).get(name)


def effective_limits(tenant: Tenant, plan: Plan, features: frozenset[str] | None = None) -> dict[str, int | None]:
    """The tenant's limits: the plan's, its overrides, and none of a limit whose feature it
    lacks (as get_plan_limit says of the plan). `features`: its effective features, when known."""
    limits = {key: plan.limits.get(key) for key in LIMIT_KEYS}
    for key, value in (tenant.limit_overrides or {}).items():
        if key in LIMIT_KEYS:
            limits[key] = value
    if features is None:
        features = effective_features(tenant, plan)
    return {key: value if limit_included(key, features) else 0 for key, value in limits.items()}


def effective_features(tenant: Tenant, plan: Plan) -> frozenset[str]:
    features = set(plan.features or [])
    for key, enabled in (tenant.feature_overrides or {}).items():
        if key in FEATURE_KEYS:
            (features.add if enabled else features.discard)(key)
    return frozenset(features)


def is_read_only(tenant: Tenant, now: datetime | None = None) -> bool:
    if tenant.status in READ_ONLY_STATUSES:
        return True
    if tenant.status == TenantStatus.PAST_DUE and tenant.past_due_since is not None:
        grace = timedelta(days=current_app.config["PAST_DUE_GRACE_DAYS"])
        return (now or utcnow()) >= tenant.past_due_since + grace
    return False


def writable_tenants(now: datetime | None = None) -> Select:
    """The ids of the workspaces that may write, in SQL: `is_read_only`'s rule for the jobs that
    act on a workspace's behalf (renewing its customers' subscriptions, accepting its waitlisted
    forms), so a read-only workspace is left out instead of failing the job every time it runs."""
    grace = timedelta(days=current_app.config["PAST_DUE_GRACE_DAYS"])
    return select(Tenant.id).where(
        Tenant.status.not_in(READ_ONLY_STATUSES),
        or_(
            Tenant.status != TenantStatus.PAST_DUE,
            Tenant.past_due_since.is_(None),
            Tenant.past_due_since > (now or utcnow()) - grace,
        ),
    )


def entitlements(tenant: Tenant) -> Entitlements:
    if has_request_context() and getattr(g, "tenant", None) is tenant:
        cached = g.get("_entitlements")
        if cached is not None:
            return cached
    plan = tenant.plan or db.session.get(Plan, tenant.plan_code)
    features = effective_features(tenant, plan)
    result = Entitlements(
        tenant=tenant,
        plan=plan,
        limits=effective_limits(tenant, plan, features),
        features=features,
        read_only=is_read_only(tenant),
    )
    if has_request_context() and getattr(g, "tenant", None) is tenant:
        g._entitlements = result
    return result


def current_period(metric: str, now: datetime | None = None) -> str:
    now = now or utcnow()
    return now.strftime("%Y-%m-%d") if METERED[metric] == "day" else now.strftime("%Y-%m")


def current_usage(tenant_id: uuid.UUID, resource: str) -> int:
    if resource in METERED:
        return meter_value(resource, current_period(resource), tenant_id=tenant_id)
    counter = _usage_counters.get(resource)
    return counter(tenant_id) if counter else 0


def usage_of_tenants(resources, tenant_ids: list[uuid.UUID] | None = None) -> dict[uuid.UUID, dict[str, int]]:
    """Live usage of many tenants (all when `tenant_ids` is None), in platform scope: one
    grouped query per counted resource and one for this period's meters — never one per
    tenant. A resource without a grouped counter is missing from the answer."""
    found: dict[uuid.UUID, dict[str, int]] = {}
    for resource in resources:
        if resource in _grouped_counters:
            for tenant_id, count in _grouped_counters[resource](tenant_ids).items():
                found.setdefault(tenant_id, {})[resource] = count
    metered = [resource for resource in resources if resource in METERED]
    if metered:
        periods = {current_period(metric) for metric in metered}
        stmt = (
            select(UsageMeter.tenant_id, UsageMeter.metric, UsageMeter.period, func.sum(UsageMeter.count))
            .where(UsageMeter.metric.in_(metered), UsageMeter.period.in_(periods))
            .group_by(UsageMeter.tenant_id, UsageMeter.metric, UsageMeter.period)
        )
        if tenant_ids is not None:
            stmt = stmt.where(UsageMeter.tenant_id.in_(tenant_ids))
        for tenant_id, metric, period, count in db.session.execute(stmt):
            if period == current_period(metric):
                found.setdefault(tenant_id, {})[metric] = int(count or 0)
    return found


def countable_resources() -> set[str]:
    """Resources `usage_of_tenants` can answer for: a zero is a real zero for these."""
    return set(_grouped_counters) | set(METERED)


def _lock_tenant_row(tenant_id: uuid.UUID) -> None:
    """Serialize creates of one tenant: row lock on PostgreSQL, the write lock on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    else:
        # An UPDATE takes SQLite's single write lock before we count.
        db.session.execute(update(Tenant).where(Tenant.id == tenant_id).values(updated_at=Tenant.updated_at))


def enforce(resource: str, adding: int = 1) -> None:
    """Refuse with PlanLimitExceeded unless `adding` more `resource` fits the plan.

    Call inside the creating transaction, before the insert: the tenant row stays locked
    until commit, so concurrent creates at the limit cannot both pass.
    """
    fitting, refusal = take_room(resource, adding)
    if fitting < adding:
        raise refusal


def take_room(resource: str, wanted: int) -> tuple[int, PlanLimitExceeded | None]:
    """How many of `wanted` more `resource` fit the plan, and the refusal for the rest (None
    when all fit). The tenant row stays locked until commit, as in `enforce`: a batch takes
    what fits and a concurrent create sees what it took."""
    tenant_id = require_tenant_id()
    _lock_tenant_row(tenant_id)
    ent = entitlements(db.session.get(Tenant, tenant_id))
    limit = ent.limit(resource)
    if limit is None:
        return wanted, None
    used = current_usage(tenant_id, resource)
    fitting = min(wanted, max(limit - used, 0))
    if fitting == wanted:
        return wanted, None
    refusal = PlanLimitExceeded(
        f"Your {ent.plan.name} plan allows {limit:,} {limit_label(resource, limit)}; "
        f"{you_have(resource, used)}. Upgrade your plan to add more.",
        details={"resource": resource, "limit": limit, "used": used, "upgrade_url": upgrade_url()},
    )
    return fitting, refusal


def remaining_under_lock(resource: str) -> int | None:
    """How much of `resource` is left (None: unlimited), with the tenant row locked until commit:
    a batch sender takes what fits, and a concurrent sender sees what it took."""
    tenant_id = require_tenant_id()
    _lock_tenant_row(tenant_id)
    return entitlements(db.session.get(Tenant, tenant_id)).remaining(resource)


def upgrade_url() -> str:
    """Where the tenant compares plans; absolute on a tenant host, so API clients can follow it."""
    if has_request_context() and g.get("host_kind") == "tenant":
        return url_for("plans.index", _external=True)
    return "/settings/plan"


def check_feature(feature: str, tenant: Tenant | None = None) -> None:
    tenant = tenant or db.session.get(Tenant, require_tenant_id())
    ent = entitlements(tenant)
    if not ent.has_feature(feature):
        raise FeatureNotAvailable(
            f"Your {ent.plan.name} plan does not include {FEATURE_LABELS.get(feature, feature.replace('_', ' '))}.",
            details={"feature": feature, "plan": ent.plan.code, "upgrade_url": upgrade_url()},
        )


def requires_feature(feature: str):
    """Decorator for views, API resources and services: refuse unless the plan has it."""
    if feature not in FEATURE_KEYS:
        raise KeyError(f"unknown feature {feature!r}")

    def decorator(func_):
        @wraps(func_)
        def wrapper(*args, **kwargs):
            check_feature(feature)
            return func_(*args, **kwargs)

        wrapper.required_feature = feature
        return wrapper

    return decorator


def increment_meter(metric: str, amount: int = 1, *, now: datetime | None = None, durable: bool = True) -> int:
    """Add to this period's counter atomically (one upsert statement, no read-modify-write);
    the counter's new value. `durable=False`: the transaction's commit need not wait for the
    WAL to reach the disk (PostgreSQL), for a transaction that writes only counters a crash
    may lose a few increments of."""
    params = {
        "meter_tenant_id": require_tenant_id(),
        "meter_id": uuid7(),
        "meter_metric": metric,
        "meter_period": current_period(metric, now),
        "meter_amount": amount,
    }
    stmt = _meter_upsert(db.session.get_bind().dialect.name, durable)
    return db.session.execute(stmt, params).first()[0]


@cache
def _meter_upsert(dialect: str, durable: bool):
    """The meter's upsert, built once with its values bound: every API call sends it, and
    building it per call (insert, conflict clause, RETURNING) cost more Python than running it."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = UsageMeter.__table__
    stmt = insert(table).values(
        tenant_id=bindparam("meter_tenant_id"),
        id=bindparam("meter_id"),
        metric=bindparam("meter_metric"),
        period=bindparam("meter_period"),
        count=bindparam("meter_amount"),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.metric, table.c.period],
        set_={"count": table.c.count + bindparam("meter_amount")},
    )
    returning = [table.c.count]
    if not durable and dialect == "postgresql":
        # Set in the upsert's own RETURNING: a separate SET LOCAL would be one more statement.
        returning.append(func.set_config("synchronous_commit", "off", True))
    return stmt.returning(*returning)


def meter_value(metric: str, period: str, *, tenant_id: uuid.UUID | None = None) -> int:
    # The explicit tenant filter keeps the answer right in platform scope too (console, jobs).
    tenant_id = tenant_id or require_tenant_id()
    return db.session.scalar(
        select(func.coalesce(func.sum(UsageMeter.count), 0)).where(
            UsageMeter.tenant_id == tenant_id, UsageMeter.metric == metric, UsageMeter.period == period
        )
    )


def stored_usage(tenant_id: uuid.UUID, now: datetime | None = None) -> dict[str, int]:
    """This period's count of every metered resource, every maintained record counter
    (period "total", see app.records.counts) and every counter registered with an SQL
    expression (the seats), in one statement."""
    wanted = or_(
        UsageMeter.period == "total",
        *[and_(UsageMeter.metric == metric, UsageMeter.period == current_period(metric, now)) for metric in METERED],
    )
    stored = (
        select(UsageMeter.metric, func.sum(UsageMeter.count))
        .where(UsageMeter.tenant_id == tenant_id, wanted)
        .group_by(UsageMeter.metric)
    )
    counted = [
        select(literal(resource, String), expression(tenant_id))
        for resource, expression in _counter_expressions.items()
    ]
    rows = db.session.execute(union_all(stored, *counted) if counted else stored)
    return {**dict.fromkeys(METERED, 0), **{metric: int(count) for metric, count in rows}}


def enforce_meter(metric: str, amount: int = 1) -> None:
    """For metered resources: refuse when this period's allowance is used up, then count."""
    enforce(metric, adding=amount)
    increment_meter(metric, amount)


READ_ONLY_MESSAGE = (
    "This workspace is read-only until its subscription is settled. You can still view and export your data."
)
HELD_BY_PLATFORM_MESSAGE = (
    "This workspace is suspended by Atrium: nothing can be added or changed until Atrium lifts the "
    "suspension. You can still view and export your data."
)
# A status that Stripe set names it in its reason. Any other suspension or cancellation was the
# platform's decision (the console, the CLI): paying lifts none of them, only the platform does.
BILLING_REASON_PREFIX = "Stripe:"


def held_by_platform(tenant: Tenant) -> bool:
    return tenant.status in READ_ONLY_STATUSES and not (tenant.status_reason or "").startswith(BILLING_REASON_PREFIX)


def read_only_message(tenant: Tenant) -> str:
    """Why a read-only workspace refuses a change, and what lifts it."""
    return HELD_BY_PLATFORM_MESSAGE if held_by_platform(tenant) else READ_ONLY_MESSAGE


def check_writable(tenant: Tenant | None = None) -> None:
    """Refuse writes of a read-only workspace (suspended, canceled, past due after grace).

    Requests are refused earlier by the status hook; services call this too so that jobs,
    imports and automations obey the same rule.
    """
    tenant = (
        tenant or (g.get("tenant") if has_request_context() else None) or db.session.get(Tenant, require_tenant_id())
    )
    if entitlements(tenant).read_only:
        details = {"status": tenant.status}
        if not held_by_platform(tenant):
            details["billing_url"] = "/settings/billing"
        raise TenantReadOnly(read_only_message(tenant), details=details)
