"""POST /webhooks/sendgrid/events on the apex host: SendGrid's signed event webhook.

One URL serves every tenant (SendGrid's account is the platform's); each event carries the
tenant and message ids we gave it as custom args, and is applied in that tenant's own
transaction, once (de-duplicated by sg_event_id)."""

import json

from flask import jsonify, request

from app.core.errors import error_body
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
        return jsonify(error_body("not_configured", "SendGrid webhooks are not configured.")), 503
    except webhooks.WebhookRefused as exc:
        return jsonify(error_body("invalid_signature", str(exc))), 403
    try:
        events = json.loads(payload)
    except ValueError:
        return jsonify(error_body("invalid_json", "The body is not JSON.")), 400
    return jsonify(webhooks.apply_sendgrid_events(events))
