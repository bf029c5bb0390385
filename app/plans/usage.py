"""Usage history: nightly snapshots, meter period roll-over, and the 12-period usage chart.

Meters are keyed by period, so a new month (or day) starts at zero by itself; roll-over copies
each closed period into `usage_snapshots`, opens the new period's row and prunes old daily rows.
Every function here works on the tenant in context.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import uuid7
from app.core.types import utcnow
from app.plans.catalogue import RESOURCE_LABELS
from app.plans.models import LIMIT_COUNT_NOTES, UsageMeter, UsageSnapshot
from app.plans.services import (
    METERED,
    Entitlements,
    current_period,
    current_usage,
    entitlements,
    tracked_resources,
)
from app.tenants.models import Tenant

CHART_PERIODS = 12
DAILY_METER_RETENTION_DAYS = 35


def _insert():
    return pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def record_snapshot(resource: str, period: str, value: int, now: datetime, limit: int | None) -> None:
    """The current tenant's `resource` at `value` for `period` (with the limit then), replacing
    what that period had."""
    table = UsageSnapshot.__table__
    stmt = _insert()(table).values(
        tenant_id=require_tenant_id(),
        id=uuid7(),
        resource=resource,
        period=period,
        value=value,
        limit_value=limit,
        taken_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.resource, table.c.period],
        set_={"value": value, "limit_value": limit, "taken_at": now},
    )
    db.session.execute(stmt)


def period_kind(resource: str) -> str:
    return "day" if METERED.get(resource) == "day" else "month"


def period_of(resource: str, now: datetime) -> str:
    return now.strftime("%Y-%m-%d") if period_kind(resource) == "day" else now.strftime("%Y-%m")


def snapshot_usage(now: datetime | None = None) -> int:
    """Record today's usage of every tracked resource in its current period's snapshot row."""
    now = now or utcnow()
    tenant_id = require_tenant_id()
    ent = entitlements(db.session.get(Tenant, tenant_id))
    resources = tracked_resources()
    for resource in resources:
        record_snapshot(
            resource, period_of(resource, now), current_usage(tenant_id, resource), now, ent.limit(resource)
        )
    return len(resources)


def roll_over_meters(now: datetime | None = None) -> int:
    """Close finished meter periods into snapshots and open the current ones at zero."""
    now = now or utcnow()
    tenant_id = require_tenant_id()
    ent = entitlements(db.session.get(Tenant, tenant_id))
    closed = 0
    for metric in METERED:
        current = current_period(metric, now)
        rows = db.session.execute(
            select(UsageMeter.period, UsageMeter.count).where(UsageMeter.metric == metric, UsageMeter.period < current)
        ).all()
        done = dict(
            db.session.execute(
                select(UsageSnapshot.period, UsageSnapshot.value).where(
                    UsageSnapshot.resource == metric, UsageSnapshot.period < current
                )
            ).all()
        )
        for period, count in rows:
            if done.get(period) != count:
                record_snapshot(metric, period, count, now, ent.limit(metric))
                closed += 1
        opening = _insert()(UsageMeter.__table__).values(
            tenant_id=tenant_id, id=uuid7(), metric=metric, period=current, count=0
        )
        db.session.execute(opening.on_conflict_do_nothing())
        if METERED[metric] == "day":
            oldest_kept = (now - timedelta(days=DAILY_METER_RETENTION_DAYS)).strftime("%Y-%m-%d")
            db.session.execute(delete(UsageMeter).where(UsageMeter.metric == metric, UsageMeter.period < oldest_kept))
    return closed


def chart_periods(kind: str, now: datetime, count: int = CHART_PERIODS) -> list[str]:
    """The last `count` periods, oldest first, ending with the current one."""
    if kind == "day":
        return [(now - timedelta(days=back)).strftime("%Y-%m-%d") for back in range(count - 1, -1, -1)]
    year, month = now.year, now.month
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def period_label(period: str) -> str:
    if len(period) == 10:
        return datetime.strptime(period, "%Y-%m-%d").strftime("%d %b")
    return datetime.strptime(period, "%Y-%m").strftime("%b %Y")


def usage_history(ent: Entitlements, now: datetime | None = None) -> dict:
    """Chart data per tracked resource: labels, values (None where unknown) and the limit.

    Two queries whatever the history's length: snapshots and meters since the oldest period.
    """
    now = now or utcnow()
    oldest = chart_periods("month", now)[0]
    snapshots: dict[tuple[str, str], int] = {
        (resource, period): value
        for resource, period, value in db.session.execute(
            select(UsageSnapshot.resource, UsageSnapshot.period, UsageSnapshot.value).where(
                UsageSnapshot.period >= oldest
            )
        )
    }
    meters: dict[tuple[str, str], int] = {
        (metric, period): count
        for metric, period, count in db.session.execute(
            select(UsageMeter.metric, UsageMeter.period, UsageMeter.count).where(UsageMeter.period >= oldest)
        )
    }
    history = {}
    for resource in tracked_resources():
        periods = chart_periods(period_kind(resource), now)
        current = periods[-1]
        values = []
        for period in periods:
            if period == current:
                values.append(ent.used(resource))
            elif resource in METERED:
                values.append(meters.get((resource, period), snapshots.get((resource, period), 0)))
            else:
                values.append(snapshots.get((resource, period)))
        history[resource] = {
            "label": RESOURCE_LABELS[resource],
            "labels": [period_label(p) for p in periods],
            "values": values,
            "limit": ent.limit(resource),
        }
    return history


def usage_level(used: int, limit: int | None) -> str:
    """green under 80 %, amber from 80 %, red at the limit ("none" when unlimited)."""
    if limit is None:
        return "none"
    if used >= limit:
        return "danger" if used > 0 or limit > 0 else "success"
    return "warning" if used >= 0.8 * limit else "success"


def usage_rows(ent: Entitlements) -> list[dict]:
    """One row per limit: what is used, what is allowed, how full the bar is and its colour."""
    rows = []
    for resource in tracked_resources():
        limit = ent.limit(resource)
        used = ent.used(resource)
        included = ent.includes(resource)
        percent = 0 if limit is None else (100 if limit == 0 else min(100, round(100 * used / limit)))
        rows.append(
            {
                "resource": resource,
                "label": RESOURCE_LABELS[resource],
                "used": used,
                "limit": limit,
                "percent": percent,
                "level": usage_level(used, limit) if included else "none",
                "metered": METERED.get(resource),
                "included": included,
                "note": LIMIT_COUNT_NOTES.get(resource),
            }
        )
    return rows
