"""CRM test helpers: read a record's timeline."""

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
