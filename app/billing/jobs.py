"""Scheduler entry points. Webhooks do the real work; the nightly resync is the safety net that
catches anything a lost webhook would have changed."""

import uuid

from sqlalchemy import select

from app.billing.gateway import billing_configured
from app.billing.models import BillingCustomer
from app.billing.services import resync_tenant
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob, register_platform_job


def resync_tenant_billing(tenant_id: uuid.UUID) -> bool:
    """ "app.billing.jobs:resync_tenant_billing": pull one tenant's Stripe state (the caller
    commits, as for every per-tenant job body). True when the plan or status changed."""
    return bool(resync_tenant(tenant_id, actor_label="Atrium scheduler").changes)


def resync_all() -> dict:
    """Nightly: resync every tenant that has a Stripe customer; nothing without Stripe keys."""
    if not billing_configured():
        return {"tenants": 0, "changed": 0, "failed": 0, "skipped": "Stripe is not configured"}
    return for_each_tenant(select(BillingCustomer.tenant_id), resync_tenant_billing)


register_platform_job(
    PlatformJob(
        "billing.resync",
        "app.billing.jobs:resync_all",
        "cron",
        {"hour": 4, "minute": 10},
        "Pulls every paying agency's subscription and invoices from Stripe, in case a webhook was lost.",
    )
)
