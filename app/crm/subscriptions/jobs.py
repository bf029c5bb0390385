"""Scheduled subscription work, in every workspace: reminders before renewals, then renewals."""

from sqlalchemy import select

from app.crm.subscriptions.services import remind_upcoming_renewals, renew_due_subscriptions
from app.jobs.dispatch import for_each_tenant
from app.tenants.models import Tenant


def renew_subscriptions() -> dict:
    return for_each_tenant(select(Tenant.id), lambda tenant_id: remind_upcoming_renewals() + renew_due_subscriptions())
