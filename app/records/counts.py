"""How many records of a counted type a tenant has, from a maintained counter.

A plan's usage (the plan page, the limit banners, `enforce()`) used to count the rows: a
`count(*)` over a million contacts on every page that shows a banner. The kit's services keep
the number instead, in the tenant's `usage_meters` row (metric = the type's meter, period
"total"), changed in the same transaction as the insert or delete it counts, by one atomic
UPDATE. The row is made by counting once, under the tenant's row lock, the first time it is
needed (existing data, a new workspace), so it starts exact and stays exact.
"""

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import uuid7
from app.plans.models import UsageMeter
from app.tenants.models import Tenant

TOTAL = "total"


def _counter(meter: str, tenant_id: uuid.UUID):
    return select(UsageMeter.count).where(
        UsageMeter.tenant_id == tenant_id, UsageMeter.metric == meter, UsageMeter.period == TOTAL
    )


def record_count(record_type, tenant_id: uuid.UUID | None = None) -> int:
    """The tenant's number of records of `record_type` (which has a meter)."""
    tenant_id = tenant_id or require_tenant_id()
    stored = db.session.scalar(_counter(record_type.meter, tenant_id))
    return stored if stored is not None else _start_counter(record_type, tenant_id)


def _start_counter(record_type, tenant_id: uuid.UUID) -> int:
    # Under the tenant's row lock, so no create of this tenant commits between the count
    # and the counter's first value.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    model = record_type.model
    counted = db.session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant_id))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(UsageMeter.__table__)
        .values(tenant_id=tenant_id, id=uuid7(), metric=record_type.meter, period=TOTAL, count=counted)
        .on_conflict_do_nothing(index_elements=["tenant_id", "metric", "period"])
    )
    return db.session.scalar(_counter(record_type.meter, tenant_id))


def adjust_record_count(record_type, change: int) -> None:
    """Add `change` (negative for deletes) to the counter, in the caller's transaction."""
    if not record_type.meter or not change:
        return
    tenant_id = require_tenant_id()
    changed = db.session.execute(
        update(UsageMeter)
        .where(UsageMeter.tenant_id == tenant_id, UsageMeter.metric == record_type.meter, UsageMeter.period == TOTAL)
        .values(count=UsageMeter.count + change)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        # No counter yet: counting now includes this transaction's own rows.
        _start_counter(record_type, tenant_id)
