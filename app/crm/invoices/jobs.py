"""Scheduled invoice work: unpaid invoices past their due date become overdue, once."""

from sqlalchemy import select

from app.crm.invoices.services import mark_overdue_invoices
from app.jobs.dispatch import for_each_tenant
from app.tenants.models import Tenant


def mark_overdue() -> dict:
    return for_each_tenant(select(Tenant.id), lambda tenant_id: mark_overdue_invoices())
