"""What recipients and Twilio reach on a tenant's host without signing in: the open pixel,
signed click redirects, the one-click unsubscribe page, Twilio's status and inbound webhooks.

Tokens are signed: a forged or altered one is a 404 and never redirects anywhere.
"""

import base64
import functools

from flask import Response, abort, g, redirect, render_template, request
from twilio.twiml.messaging_response import MessagingResponse

from app.core.errors import error_response
from app.core.extensions import csrf, db
from app.core.hosts import TenantBlueprint
from app.core.ids import parse_uuid
from app.crm.messaging import webhooks
from app.crm.messaging.models import Channel, Message
from app.crm.messaging.sending import TRACK_SALT, UNSUBSCRIBE_SALT, public_url, unsign
from app.plans.status import ALWAYS_ALLOWED_ENDPOINTS

bp = TenantBlueprint("messaging_public", __name__)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
# Recipients and providers must reach these even while the workspace is read-only.
PUBLIC_ENDPOINTS = (
    "messaging_public.open_pixel",
    "messaging_public.click",
    "messaging_public.unsubscribe",
    "messaging_public.twilio_status",
    "messaging_public.twilio_inbound",
)


def _message(value) -> Message | None:
    message_id = parse_uuid(value)
    return db.session.get(Message, (g.tenant.id, message_id)) if message_id else None


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/t/o/<token>.gif")
def open_pixel(token):
    value = unsign(TRACK_SALT, token)
    message = _message(value[0]) if isinstance(value, list) and len(value) == 1 else None
    if message is not None:
        webhooks.track_open(message)
    # The same image either way: a pixel tells nothing about which tokens are real.
    return _no_store(Response(PIXEL, mimetype="image/gif"))


@bp.route("/t/c/<token>")
def click(token):
    value = unsign(TRACK_SALT, token)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)):
        abort(404)
    target = value[1]
    if not target.lower().startswith(("https://", "http://")) or any(char in target for char in "\r\n\\"):
        abort(404)
    message = _message(value[0])
    if message is None:
        abort(404)
    webhooks.track_click(message, target)
    return _no_store(redirect(target, code=302))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients post List-Unsubscribe=One-Click
def unsubscribe(token):
    value = unsign(UNSUBSCRIBE_SALT, token)
    message = _message(value[0]) if isinstance(value, list) and len(value) == 2 else None
    if message is None:
        abort(404)
    channel_label = Channel.LABELS.get(message.channel, "messages").lower()
    if request.method == "POST":
        webhooks.unsubscribe(message)
        if request.form.get("List-Unsubscribe") == "One-Click":
            return "", 200
        return render_template(
            "crm/messaging/unsubscribe.html", done=True, channel=channel_label, address=message.to_address
        )
    return render_template(
        "crm/messaging/unsubscribe.html",
        done=message.unsubscribed_at is not None,
        channel=channel_label,
        address=message.to_address,
    )


def _twilio_refusal():
    """None when Twilio signed this request for our public URL, else the error response."""
    url = public_url(g.tenant, request.path)
    if request.query_string:
        url += "?" + request.query_string.decode()
    try:
        webhooks.verify_twilio(url, request.form.to_dict(), request.headers.get("X-Twilio-Signature"))
    except webhooks.WebhookNotConfigured:
        return error_response(503, "not_configured", "Twilio is not configured.")
    except webhooks.WebhookRefused:
        return error_response(403, "invalid_signature", "The signature does not match.")
    return None


def twilio_signed(view):
    """A webhook Twilio calls: the view runs only for a request Twilio signed."""

    @functools.wraps(view)
    def signed_view():
        return _twilio_refusal() or view()

    return signed_view


@bp.route("/webhooks/twilio/status", methods=["POST"])
@csrf.exempt
@twilio_signed
def twilio_status():
    webhooks.apply_twilio_status(request.args.get("m"), request.form.to_dict())
    return "", 204


@bp.route("/webhooks/twilio/inbound", methods=["POST"])
@csrf.exempt
@twilio_signed
def twilio_inbound():
    result = webhooks.receive_sms(request.form.to_dict())
    answer = MessagingResponse()
    if result["reply"]:
        answer.message(result["reply"])
    return Response(str(answer), mimetype="application/xml")


def allow_while_read_only() -> None:
    ALWAYS_ALLOWED_ENDPOINTS.update(PUBLIC_ENDPOINTS)
