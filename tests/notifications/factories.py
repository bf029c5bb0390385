"""Factories of notifications for the generated cross-tenant test."""

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.factories import arg_factory


@arg_factory("notification_id")
def make_notification(app, tenant):
    """A notification of the tenant's owner (the user the isolation test signs in as)."""
    from app.notifications.services import notify

    with in_tenant(app, tenant.id):
        notification = notify(tenant.users["owner"], "mention", "Ada mentioned you on Northwind")
        db.session.flush()
        return notification.id
