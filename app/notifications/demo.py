"""Demo notifications for `seed-demo`, settled as a team in use would have them: seeding assigns
the owner's records to the sellers, so each seller's bell filled with dozens of "assigned to you"
announcements of the same minute (51 unread for the sales rep). A person who has worked in the
workspace has read all but the newest few. Runs once the demo's records are committed."""

from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.notifications.models import Notification

UNREAD_KEPT = 3
READ_AFTER = timedelta(minutes=40)


def settle_notifications_demo() -> None:
    """Marks each person's notifications read but their newest UNREAD_KEPT; nothing once any
    notification of the workspace has been read (a second `seed-demo`, or a workspace in use)."""
    if db.session.scalar(select(Notification.id).where(Notification.read_at.is_not(None)).limit(1)):
        return
    now = utcnow()
    kept: dict = {}
    rows = db.session.scalars(select(Notification).order_by(Notification.user_id, Notification.created_at.desc()))
    for notification in rows:
        kept[notification.user_id] = kept.get(notification.user_id, 0) + 1
        if kept[notification.user_id] > UNREAD_KEPT:
            notification.read_at = min(notification.created_at + READ_AFTER, now)
    db.session.commit()
