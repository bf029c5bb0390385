"""Scheduled quote work: quotes past their validity date expire, in every workspace, once."""

from sqlalchemy import select

from app.crm.quotes.services import expire_due_quotes
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob
from app.tenants.models import Tenant

EXPIRY_JOB = PlatformJob(
    "quotes.expire",
    "app.crm.quotes.jobs:expire_quotes",
    "cron",
    {"minute": 10},
    "Marks sent quotes past their validity date expired.",
)


def expire_quotes() -> dict:
    return for_each_tenant(select(Tenant.id), lambda tenant_id: expire_due_quotes())
