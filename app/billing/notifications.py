"""Billing emails to a tenant's owners, through the outbox, at most once per key and owner."""

from flask import current_app, url_for
from sqlalchemy import select

from app.auth.models import Role, User
from app.core.extensions import db
from app.core.hosts import tenant_host
from app.core.text import plural
from app.messaging.services import queue_email
from app.tenants.models import Tenant


def _owners() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.OWNER, User.is_active_user.is_(True)).order_by(User.created_at)
        )
    )


def billing_url(tenant: Tenant) -> str:
    return url_for("billing.index", host=tenant_host(tenant.slug), _external=True)


def notify_owners(tenant: Tenant, *, template: str, subject: str, dedupe_key: str, context: dict) -> int:
    """Queue one email per active owner; `dedupe_key` makes a second call a no-op.

    Each owner's message carries `<dedupe_key>:<user id>`, so one failed invoice emails every
    owner once, however many webhook deliveries or payment retries report it.
    """
    queued = 0
    for owner in _owners():
        message = queue_email(
            owner.email,
            template,
            subject=subject,
            dedupe_key=f"{dedupe_key}:{owner.id}",
            context={"tenant": tenant, "owner": owner, "billing_url": billing_url(tenant), **context},
        )
        queued += message is not None
    if queued:
        current_app.logger.info("billing: queued %s %s for %s", plural(queued, "email"), template, tenant.slug)
    return queued
