"""Scheduled invoice work: unpaid invoices past their due date become overdue, once."""

from sqlalchemy import select

from app.crm.invoices.services import mark_overdue_invoices
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob
from app.tenants.models import Tenant

OVERDUE_JOB = PlatformJob(
    "invoices.mark_overdue",
    "app.crm.invoices.jobs:mark_overdue",
    "cron",
    {"minute": 20},
    "Marks unpaid invoices past their due date overdue.",
)


def mark_overdue() -> dict:
    return for_each_tenant(select(Tenant.id), lambda tenant_id: mark_overdue_invoices())
