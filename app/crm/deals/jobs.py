"""Scheduled deal jobs: each workspace's forecast snapshot on its month's first day."""

from sqlalchemy import select

from app.crm.deals.services.forecast import take_snapshot
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob
from app.tenants.models import Tenant

SNAPSHOT_JOB = PlatformJob(
    "deals.snapshot_forecasts",
    "app.crm.deals.jobs:snapshot_forecasts",
    "cron",
    {"minute": 7},
    "Keeps each agency's forecast as it stands on its month's first day (forecast accuracy).",
)


def snapshot_forecasts() -> dict:
    """Hourly, because months start at different hours in different time zones: a workspace
    whose month has no snapshot yet gets one (taken once; later runs find it)."""
    return for_each_tenant(select(Tenant.id), lambda tenant_id: take_snapshot())
