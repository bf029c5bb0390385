"""What outgoing webhooks keep about a record, for the privacy tools: the payloads of the
deliveries about it (each a copy of the record as the API showed it then). `app/wiring.py`
registers these as the privacy package's export and erase hooks."""

from sqlalchemy import select

from app.core.extensions import db
from app.crm.webhooks.models import WebhookDelivery

ERASED = "Erased"
# What an erased payload keeps: enough for the receiver and the log to say what happened.
KEPT_KEYS = ("id", "type", "occurred_at", "tenant_id", "record_type", "record_id")


def _deliveries_about(record):
    return select(WebhookDelivery).where(WebhookDelivery.payload["record_id"].as_string() == str(record.id))


def export_webhook_data(record_type, record) -> dict:
    """Privacy export hook: what was sent about the record, and where."""
    return {
        "webhook_deliveries": [
            {
                "endpoint": item.subscription.url,
                "event": item.event_type,
                "status": item.status,
                "payload": item.payload,
                "created_at": item.created_at,
            }
            for item in db.session.scalars(_deliveries_about(record).order_by(WebhookDelivery.created_at))
        ]
    }


def erase_webhook_data(record_type, record) -> None:
    """Privacy erase hook: each delivery's payload keeps only what names the event and the
    record (a pending one is sent that way); the receiver's reply goes too."""
    for delivery in db.session.scalars(_deliveries_about(record)):
        delivery.payload = {
            **{key: delivery.payload[key] for key in KEPT_KEYS if key in delivery.payload},
            "summary": ERASED,
            "erased": True,
        }
        delivery.response_body = ""
    db.session.flush()
