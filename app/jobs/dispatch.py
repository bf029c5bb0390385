"""Dispatch loops for platform jobs: pick tenants in platform scope, work on each in its context.

Platform jobs are platform code: each tenant's body runs in a transaction of the platform
role (it may change the tenant's plan and status, which the app role may not), scoped to
that tenant by the ORM. Per-tenant jobs (`tenant:…`) run on the app role under RLS instead.
"""

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Select

from app.core.context import platform_scope, tenant_context
from app.core.extensions import db
from app.core.transactions import commit_and_deliver

log = logging.getLogger(__name__)


class JobPartlyFailed(RuntimeError):
    """Some tenants failed; the others were done and committed."""


@contextmanager
def _platform_transaction_as(tenant_id: uuid.UUID) -> Iterator[None]:
    """Begin the transaction in platform scope (it keeps that engine), then work as the tenant."""
    with platform_scope():
        db.session.connection()
    with tenant_context(tenant_id):
        yield


def for_each_tenant(tenant_ids: Select, body: Callable[[uuid.UUID], object]) -> dict:
    """Run `body(tenant_id)` inside each tenant's context, one transaction per tenant.

    A failing tenant is rolled back and logged without stopping the others; the job then
    reports failure so the console shows it.
    """
    with platform_scope():
        ids = list(db.session.scalars(tenant_ids))
        db.session.commit()
    changed, failed = 0, []
    for tenant_id in ids:
        try:
            with _platform_transaction_as(tenant_id):
                outcome = body(tenant_id)
                commit_and_deliver()
        except Exception:
            db.session.rollback()
            log.exception("job body failed for tenant %s", tenant_id)
            failed.append(str(tenant_id))
            continue
        changed += 1 if outcome else 0
    summary = {"tenants": len(ids), "changed": changed, "failed": len(failed)}
    if failed:
        raise JobPartlyFailed(f"{len(failed)} of {len(ids)} tenants failed: {', '.join(failed[:20])}")
    return summary
