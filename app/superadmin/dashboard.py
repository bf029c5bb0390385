"""The console's overview: agencies by plan and status, MRR, signups, trials ending, limits hit."""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.plans.models import Plan
from app.plans.services import effective_limits, tracked_resources, usage_of_tenants
from app.superadmin.tenants import TRIAL_ENDING_DAYS, trial_ending_condition
from app.tenants.models import Tenant, TenantStatus

SIGNUP_WEEKS = 12
AT_LIMIT_SHOWN = 20


def tenants_by_plan_and_status() -> dict:
    counts = {
        (plan, status): n
        for plan, status, n in db.session.execute(
            select(Tenant.plan_code, Tenant.status, func.count()).group_by(Tenant.plan_code, Tenant.status)
        )
    }
    plans = db.session.scalars(select(Plan).order_by(Plan.sort_order, Plan.code)).all()
    rows = [
        {
            "plan": plan,
            "counts": [counts.get((plan.code, status), 0) for status in TenantStatus.ALL],
            "total": sum(counts.get((plan.code, status), 0) for status in TenantStatus.ALL),
        }
        for plan in plans
    ]
    totals = [sum(counts.get((plan.code, status), 0) for plan in plans) for status in TenantStatus.ALL]
    return {"statuses": TenantStatus.ALL, "rows": rows, "totals": totals, "total": sum(totals)}


# What some agencies really pay a month, known to a package above the console (billing: a
# yearly Stripe subscription brings a twelfth of its yearly price): each reader returns
# {tenant_id: cents a month}. Agencies no reader names count at their plan's monthly price.
MONTHLY_REVENUE_READERS: list[Callable[[], dict]] = []


def register_monthly_revenue(reader: Callable[[], dict]) -> None:
    if reader not in MONTHLY_REVENUE_READERS:
        MONTHLY_REVENUE_READERS.append(reader)


def monthly_recurring_revenue_cents() -> int:
    """Active agencies on paid plans, at what they pay a month (trials and unpaid excluded)."""
    paying = db.session.execute(
        select(Tenant.id, Plan.price_monthly_cents)
        .join(Plan, Plan.code == Tenant.plan_code)
        .where(Tenant.status == TenantStatus.ACTIVE, Plan.price_monthly_cents > 0)
    ).all()
    known: dict = {}
    for reader in MONTHLY_REVENUE_READERS:
        known.update(reader())
    return round(sum(known.get(tenant_id, cents) for tenant_id, cents in paying))


def signups_per_week(now=None) -> dict:
    """Chart data for the last 12 weeks (weeks start on Monday, UTC)."""
    now = now or utcnow()
    this_monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = [this_monday - timedelta(weeks=back) for back in range(SIGNUP_WEEKS - 1, -1, -1)]
    created = db.session.scalars(select(Tenant.created_at).where(Tenant.created_at >= weeks[0])).all()
    per_week = Counter((moment - timedelta(days=moment.weekday())).date() for moment in created)
    return {
        "type": "bar",
        "labels": [week.strftime("%d %b") for week in weeks],
        "datasets": [{"label": "Signups", "values": [per_week.get(week.date(), 0) for week in weeks]}],
    }


def trials_ending(days: int = TRIAL_ENDING_DAYS, now=None) -> list[Tenant]:
    return db.session.scalars(
        select(Tenant).where(trial_ending_condition(days, now)).order_by(Tenant.trial_ends_at)
    ).all()


def tenants_at_limit() -> tuple[list[dict], int]:
    """Agencies at or over a limit now, by name: the first AT_LIMIT_SHOWN of them and how many
    there are in all. Live usage of every tenant, one grouped query per resource (a nightly
    snapshot missed whoever reached a limit since)."""
    resources = tracked_resources()
    live = usage_of_tenants(resources)
    plans = {plan.code: plan for plan in db.session.scalars(select(Plan))}
    shown, total = [], 0
    for tenant in db.session.scalars(select(Tenant).where(Tenant.id.in_(list(live))).order_by(Tenant.name)):
        limits = effective_limits(tenant, plans[tenant.plan_code])
        reached = [
            {"resource": resource, "used": used, "limit": limits[resource]}
            for resource, used in live[tenant.id].items()
            if limits.get(resource) is not None and limits[resource] > 0 and used >= limits[resource]
        ]
        if reached:
            total += 1
            if len(shown) < AT_LIMIT_SHOWN:
                shown.append({"tenant": tenant, "limits": reached})
    return shown, total


def overview() -> dict:
    at_limit, at_limit_total = tenants_at_limit()
    return {
        "at_limit": at_limit,
        "at_limit_total": at_limit_total,
        "matrix": tenants_by_plan_and_status(),
        "mrr_cents": monthly_recurring_revenue_cents(),
        "signups": signups_per_week(),
        "trials": trials_ending(),
    }
