"""Per-tenant job bodies of outgoing webhooks (run by the scheduler inside the tenant's context)."""

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.webhooks import services
from app.crm.webhooks.models import WebhookDelivery


def attempt_delivery(object_id: str) -> dict:
    """`object_id` is "<delivery id>.<attempt>"; a delivery already settled is left alone."""
    delivery_id = parse_uuid(str(object_id).split(".", 1)[0])
    delivery = db.session.get(WebhookDelivery, (require_tenant_id(), delivery_id), with_for_update=True)
    if delivery is None:
        return {"status": "missing"}
    return {"status": services.attempt_delivery(delivery), "attempts": delivery.attempts}
