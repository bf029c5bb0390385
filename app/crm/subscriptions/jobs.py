"""Scheduled subscription work, in every workspace that may write: reminders before renewals,
then renewals."""

from app.crm.subscriptions.services import remind_upcoming_renewals, renew_due_subscriptions
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob
from app.plans.services import writable_tenants

RENEWAL_JOB = PlatformJob(
    "subscriptions.renew",
    "app.crm.subscriptions.jobs:renew_subscriptions",
    "cron",
    {"hour": 5, "minute": 30},
    "Creates reminder tasks before subscription renewals, then issues each renewal's invoice.",
)


def renew_subscriptions() -> dict:
    return for_each_tenant(writable_tenants(), lambda tenant_id: remind_upcoming_renewals() + renew_due_subscriptions())
