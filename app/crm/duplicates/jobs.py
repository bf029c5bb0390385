"""The duplicates scan: nightly for every tenant, and on demand for one."""

from sqlalchemy import select

from app.crm.duplicates.services import scan_for_duplicates
from app.jobs.dispatch import for_each_tenant
from app.tenants.models import Tenant, TenantStatus


def scan_all_tenants() -> dict:
    active = select(Tenant.id).where(Tenant.status.not_in((TenantStatus.CANCELED, TenantStatus.SUSPENDED)))
    return for_each_tenant(active, lambda tenant_id: scan_for_duplicates())


def scan_tenant(object_id=None, **_ignored) -> dict:
    """The "Scan now" button's job (runs in the tenant's context)."""
    return {"added": scan_for_duplicates()}
