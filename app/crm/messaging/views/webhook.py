"""POST /webhooks/sendgrid/events on the apex host: SendGrid's signed event webhook.

One URL serves every tenant (SendGrid's account is the platform's); each event carries the
tenant and message ids we gave it as custom args, and is applied in that tenant's own
transaction, once (de-duplicated by sg_event_id)."""

import json

from flask import jsonify, request

from app.core.errors import error_response
from app.core.extensions import csrf
from app.core.hosts import ApexBlueprint
from app.crm.messaging import webhooks

bp = ApexBlueprint("sendgrid_webhook", __name__)


@bp.route("/webhooks/sendgrid/events", methods=["POST"])
@csrf.exempt
def receive():
    payload = request.get_data(as_text=True)
    try:
        webhooks.verify_sendgrid(
            payload,
            request.headers.get("X-Twilio-Email-Event-Webhook-Signature"),
            request.headers.get("X-Twilio-Email-Event-Webhook-Timestamp"),
        )
    except webhooks.WebhookNotConfigured:
        return error_response(503, "not_configured", "SendGrid webhooks are not configured.")
    except webhooks.WebhookRefused as exc:
        return error_response(403, "invalid_signature", str(exc))
    try:
        events = json.loads(payload)
    except ValueError:
        return error_response(400, "invalid_json", "The body is not JSON.")
    return jsonify(webhooks.apply_sendgrid_events(events))
