"""The duplicates scan: nightly for every tenant, and on demand for one."""

from app.crm.duplicates.services import scan_for_duplicates
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob
from app.plans.services import writable_tenants

SCAN_JOB = PlatformJob(
    "duplicates.scan",
    "app.crm.duplicates.jobs:scan_all_tenants",
    "cron",
    {"hour": 1, "minute": 45},
    "Finds records that look like the same person or company (email, phone, name at a company).",
)


def scan_all_tenants() -> dict:
    return for_each_tenant(writable_tenants(), lambda tenant_id: scan_for_duplicates())


def scan_tenant(object_id=None, **_ignored) -> dict:
    """The "Scan now" button's job (runs in the tenant's context)."""
    return {"added": scan_for_duplicates()}
