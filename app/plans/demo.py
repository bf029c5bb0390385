"""Demo usage history for `seed-demo`: the plan page's "Usage over time" chart shows the past
periods of each limit (the workspace growing to today's counts, each month's e-mails and texts,
each day's API calls) instead of a single point at today, as a workspace in use for a year
would. Runs after the demo's records are committed, so today's counts are final."""

import random
from datetime import datetime

from sqlalchemy import select

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.types import utcnow
from app.plans.models import UsageSnapshot
from app.plans.services import METERED, current_usage, entitlements, tracked_resources
from app.plans.usage import chart_periods, period_kind, record_snapshot
from app.tenants.models import Tenant

# A past period's count of a metered resource, before a little variation: a campaign or two a
# month, a few texts, an integration calling the API through the day.
TYPICAL_PERIOD = {"emails_per_month": 420, "sms_per_month": 35, "api_calls_per_day": 640}


def seed_usage_history_demo(now: datetime | None = None) -> None:
    """Snapshots of the periods before the current one, for every tracked resource; nothing when
    the workspace has any (a second `seed-demo`, or a workspace the scheduler already measures)."""
    tenant_id = require_tenant_id()
    if db.session.scalar(select(UsageSnapshot.id).limit(1)) is not None:
        return
    now = now or utcnow()
    limits = entitlements(db.session.get(Tenant, tenant_id))
    rng = random.Random(f"usage-{tenant_id}")
    for resource in tracked_resources():
        past = chart_periods(period_kind(resource), now)[:-1]
        today = current_usage(tenant_id, resource)
        grown = 0
        for step, period in enumerate(past, start=1):
            if resource in METERED:
                value = round(TYPICAL_PERIOD[resource] * rng.uniform(0.6, 1.3))
            else:
                # Counted records grow towards today's count, month by month, never shrinking,
                # from one of each (the owner, the first pipeline…) a year ago.
                grown = max(grown, min(today, 1), round(today * step / len(past) * rng.uniform(0.8, 1.0)))
                value = grown
            record_snapshot(resource, period, value, now, limits.limit(resource))
    db.session.commit()
