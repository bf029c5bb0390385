"""POST /billing/stripe/webhook on the apex host: verified, idempotent, order-independent."""

import logging

from flask import jsonify, request

from app.billing import webhooks
from app.billing.gateway import GatewayError
from app.core.errors import error_response
from app.core.extensions import csrf, db
from app.core.hosts import ApexBlueprint

log = logging.getLogger(__name__)

bp = ApexBlueprint("stripe_webhook", __name__)


@bp.route("/billing/stripe/webhook", methods=["POST"])
@csrf.exempt
def receive():
    try:
        event = webhooks.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except webhooks.WebhookNotConfigured:
        return error_response(503, "not_configured", "Stripe webhooks are not configured on this installation.")
    except webhooks.InvalidWebhook as exc:
        return error_response(400, "invalid_webhook", exc.message)
    try:
        result = webhooks.receive_event(event)
    except webhooks.EventInProgress:
        db.session.rollback()
        return error_response(409, "in_progress", "Another delivery of this event is being processed; retry later.")
    except Exception as exc:
        # Nothing of the event is kept but the failure itself; Stripe retries on a 5xx.
        log.exception("stripe event %s (%s) failed", event["id"], event["type"])
        db.session.rollback()
        webhooks.record_failure(event, exc)
        if isinstance(exc, GatewayError):
            return error_response(503, "stripe_unavailable", "Stripe could not be reached; retry later.")
        return error_response(500, "processing_failed", "The event could not be processed; retry later.")
    return jsonify({"received": True, "event": event["id"], "result": result})
