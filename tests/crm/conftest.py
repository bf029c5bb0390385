"""CRM test helpers: read a record's timeline, a list page's filter labels, seed the demo."""

import re

from app.core.extensions import db


def timeline(record_id, *, system: bool | None = None) -> list:
    """Activities on a record's timeline, newest first (call inside a tenant context)."""
    from sqlalchemy import and_, select

    from app.crm.activities.models import Activity, ActivityType, activity_links

    stmt = (
        select(Activity)
        .join(
            activity_links,
            and_(activity_links.c.tenant_id == Activity.tenant_id, activity_links.c.activity_id == Activity.id),
        )
        .where(activity_links.c.record_id == record_id)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
    )
    if system is not None:
        stmt = stmt.where((Activity.type == ActivityType.SYSTEM) if system else (Activity.type != ActivityType.SYSTEM))
    return list(db.session.scalars(stmt))


def filter_labels(html: str) -> dict[str, str]:
    """{select name: its label's text} of a list page's filter bar."""
    labels = dict(re.findall(r'<label class="form-label small mb-1" for="(filter-\d+)">([^<]*)</label>', html))
    names = dict(re.findall(r'id="(filter-\d+)" name="([^"]+)"', html))
    return {names[key]: text for key, text in labels.items() if key in names}


def seed_demo(tenant_id, *seeders) -> None:
    """seed-demo's CRM records, then each of `seeders` in turn, for the tenant (call inside its
    context; name a seeder twice to check that a second `seed-demo` adds nothing)."""
    from app.crm.demo import seed_crm_demo
    from app.tenants.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    for seeder in (seed_crm_demo, *seeders):
        seeder(tenant)
