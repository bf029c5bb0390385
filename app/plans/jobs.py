"""Scheduled plan jobs: trial expiry, end of past-due grace, meter roll-over, usage snapshots."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.jobs.dispatch import for_each_tenant
from app.plans import lifecycle, usage
from app.tenants.models import Tenant, TenantStatus


def _tenant(tenant_id) -> Tenant:
    return db.session.get(Tenant, tenant_id)


def expire_trials() -> dict:
    now = utcnow()
    due = select(Tenant.id).where(Tenant.status == TenantStatus.TRIALING, Tenant.trial_ends_at <= now)
    return for_each_tenant(due, lambda tenant_id: lifecycle.expire_trial(_tenant(tenant_id), now=now))


def end_past_due_grace() -> dict:
    now = utcnow()
    grace_days = current_app.config["PAST_DUE_GRACE_DAYS"]
    due = select(Tenant.id).where(
        Tenant.status == TenantStatus.PAST_DUE, Tenant.past_due_since <= now - timedelta(days=grace_days)
    )
    return for_each_tenant(
        due, lambda tenant_id: lifecycle.end_past_due_grace(_tenant(tenant_id), grace_days=grace_days, now=now)
    )


def roll_over_meters() -> dict:
    now = utcnow()
    return for_each_tenant(select(Tenant.id), lambda tenant_id: usage.roll_over_meters(now))


def snapshot_usage() -> dict:
    now = utcnow()
    return for_each_tenant(select(Tenant.id), lambda tenant_id: usage.snapshot_usage(now))
