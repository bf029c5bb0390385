"""seed-demo's bells read as a team's in use: each person's newest few notifications unread, the
rest read, not dozens of "assigned to you" of the same minute for every seller."""

from sqlalchemy import func, select

from app.core.extensions import db
from app.tenants.models import Tenant
from tests.conftest import in_tenant, on_platform


def test_demo_bells_keep_only_the_newest_few_unread(app, monkeypatch):
    from app.agency.cli import seed_demo_data
    from app.core import ssrf
    from app.notifications.demo import UNREAD_KEPT, settle_notifications_demo
    from app.notifications.models import Notification, NotificationKind

    monkeypatch.setattr(ssrf, "resolve_host", lambda host, port: ["93.184.215.14"])  # the demo's webhook host
    with app.app_context():
        seed_demo_data()
    with on_platform(app):
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "acme"))
    with in_tenant(app, tenant_id):
        unread = dict(
            db.session.execute(
                select(Notification.user_id, func.count())
                .where(Notification.read_at.is_(None))
                .group_by(Notification.user_id)
            ).all()
        )
        read = db.session.scalar(select(func.count()).where(Notification.read_at.is_not(None)))
        owner_unread = {
            kind
            for (kind,) in db.session.execute(
                select(Notification.kind).where(
                    Notification.read_at.is_(None), Notification.user.has(email="owner@acme.test")
                )
            )
        }
        assert unread
        assert max(unread.values()) <= UNREAD_KEPT
        assert read > 0  # the sellers' older assignments
        assert {NotificationKind.TASK_ASSIGNED, NotificationKind.MENTION} <= owner_unread
        # Once anything has been read, a second seed-demo leaves the bells as they are.
        extra = Notification(user_id=next(iter(unread)), kind=NotificationKind.MENTION, title="Later")
        db.session.add(extra)
        db.session.flush()
        settle_notifications_demo()
        assert db.session.get(Notification, (tenant_id, extra.id)).read_at is None
