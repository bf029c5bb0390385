"""Per-tenant job bodies of outgoing webhooks (run by the scheduler inside the tenant's context)."""

from app.crm.webhooks import services
from app.crm.webhooks.models import WebhookDelivery
from app.jobs.tenant_jobs import get_locked_job_row


def attempt_delivery(object_id: str) -> dict:
    """`object_id` is "<delivery id>.<attempt>"; a delivery already settled is left alone."""
    delivery = get_locked_job_row(WebhookDelivery, object_id)
    if delivery is None:
        return {"status": "missing"}
    return {"status": services.attempt_delivery(delivery), "attempts": delivery.attempts}
