"""Scheduler entry points. Webhooks do the real work; this is the nightly safety net that
catches anything a lost webhook would have changed."""

import logging
import uuid

from app.billing.gateway import GatewayError, billing_configured
from app.billing.services import resync_tenant
from app.billing.sync import get_customer
from app.core.context import platform_scope
from app.core.errors import ValidationFailed
from app.core.transactions import commit_and_deliver
from app.extensions import db

log = logging.getLogger(__name__)


def resync_tenant_billing(tenant_id: uuid.UUID) -> None:
    """ "app.billing.jobs:resync_tenant_billing": pull one tenant's Stripe state; commits itself.

    Does nothing without Stripe keys or for a tenant that never started a checkout.
    """
    if not billing_configured():
        return
    with platform_scope():
        has_customer = get_customer(tenant_id) is not None
    if not has_customer:
        return
    try:
        resync_tenant(tenant_id, actor_label="scheduler")
        commit_and_deliver()
    except (GatewayError, ValidationFailed) as exc:
        db.session.rollback()
        log.warning("billing resync of tenant %s failed: %s", tenant_id, exc)
