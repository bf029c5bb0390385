"""A local Stripe API for the real `stripe` client: it serves the objects a test puts in it
(as real Stripe serves the CURRENT state of a subscription) and records every request."""

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime

from werkzeug import Request, Response

NOW = int(datetime(2026, 11, 21, 12, 0, tzinfo=UTC).timestamp())
DAY = 86400
PRICES = {
    "normal": {"month": "price_normal_month", "year": "price_normal_year"},
    "premium": {"month": "price_premium_month", "year": "price_premium_year"},
    "enterprise": {"month": "price_enterprise_month", "year": "price_enterprise_year"},
}
WEBHOOK_SECRET = "whsec_test_atrium"


def _json(data, status=200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _not_found(kind: str, object_id: str) -> Response:
    return _json(
        {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such {kind}: '{object_id}'",
            }
        },
        404,
    )


class FakeStripe:
    def __init__(self, server):
        self.server = server
        self.subscriptions: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.calls: list[dict] = []
        self.failing: int | None = None  # answer every call with this HTTP status
        route = server.expect_request
        route(re.compile(r"^/v1/subscriptions/[^/]+$"), method="GET").respond_with_handler(self._subscription)
        route("/v1/subscriptions", method="GET").respond_with_handler(self._subscriptions)
        route(re.compile(r"^/v1/invoices/[^/]+$"), method="GET").respond_with_handler(self._invoice)
        route("/v1/invoices", method="GET").respond_with_handler(self._invoices)
        route("/v1/customers", method="POST").respond_with_handler(self._create_customer)
        route("/v1/checkout/sessions", method="POST").respond_with_handler(self._checkout_session)
        route("/v1/billing_portal/sessions", method="POST").respond_with_handler(self._portal_session)

    # ------------------------------------------------------------------ state
    def put_subscription(self, subscription: dict) -> dict:
        self.subscriptions[subscription["id"]] = subscription
        return subscription

    def put_invoice(self, invoice: dict) -> dict:
        self.invoices[invoice["id"]] = invoice
        return invoice

    def requests(self, method: str, path: str) -> list[dict]:
        return [c for c in self.calls if c["method"] == method and c["path"] == path]

    def requests_to(self, prefix: str) -> list[dict]:
        return [c for c in self.calls if c["path"].startswith(prefix)]

    # --------------------------------------------------------------- handlers
    def _record(self, request: Request) -> Response | None:
        self.calls.append(
            {
                "method": request.method,
                "path": request.path,
                "args": request.args.to_dict(flat=False),
                "form": request.form.to_dict(flat=True),
                "headers": dict(request.headers),
            }
        )
        if self.failing:
            return _json({"error": {"type": "api_error", "message": "Stripe is having a bad day"}}, self.failing)
        return None

    def _subscription(self, request):
        failure = self._record(request)
        if failure:
            return failure
        subscription_id = request.path.rsplit("/", 1)[-1]
        found = self.subscriptions.get(subscription_id)
        return _json(found) if found else _not_found("subscription", subscription_id)

    def _subscriptions(self, request):
        failure = self._record(request)
        if failure:
            return failure
        customer = request.args.get("customer")
        data = [s for s in self.subscriptions.values() if s["customer"] == customer]
        return _json({"object": "list", "url": "/v1/subscriptions", "has_more": False, "data": data})

    def _invoice(self, request):
        failure = self._record(request)
        if failure:
            return failure
        invoice_id = request.path.rsplit("/", 1)[-1]
        found = self.invoices.get(invoice_id)
        return _json(found) if found else _not_found("invoice", invoice_id)

    def _invoices(self, request):
        failure = self._record(request)
        if failure:
            return failure
        customer = request.args.get("customer")
        data = sorted((i for i in self.invoices.values() if i["customer"] == customer), key=lambda i: -i["created"])
        return _json({"object": "list", "url": "/v1/invoices", "has_more": False, "data": data})

    def _create_customer(self, request):
        failure = self._record(request)
        if failure:
            return failure
        key = request.headers.get("Idempotency-Key", uuid.uuid4().hex)
        customer_id = "cus_" + hashlib.sha1(key.encode()).hexdigest()[:14]
        return _json({"id": customer_id, "object": "customer", "email": request.form.get("email")})

    def _checkout_session(self, request):
        failure = self._record(request)
        if failure:
            return failure
        session_id = f"cs_test_{uuid.uuid4().hex[:12]}"
        return _json(
            {"id": session_id, "object": "checkout.session", "url": f"https://checkout.stripe.test/c/pay/{session_id}"}
        )

    def _portal_session(self, request):
        failure = self._record(request)
        if failure:
            return failure
        session_id = f"bps_{uuid.uuid4().hex[:12]}"
        return _json(
            {
                "id": session_id,
                "object": "billing_portal.session",
                "url": f"https://billing.stripe.test/p/session/{session_id}",
            }
        )


# ------------------------------------------------------------------- builders


def interval_of(price_id: str) -> str:
    return "year" if price_id.endswith("_year") else "month"


def subscription(
    subscription_id: str,
    *,
    customer: str,
    price: str,
    status: str = "active",
    tenant_id=None,
    period_start: int = NOW - 5 * DAY,
    cancel_at_period_end: bool = False,
    trial_end: int | None = None,
    schedule: str | None = None,
    created: int = NOW - 40 * DAY,
    card: bool = True,
) -> dict:
    length = 365 * DAY if interval_of(price) == "year" else 30 * DAY
    return {
        "id": subscription_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "created": created,
        "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": period_start + length if cancel_at_period_end else None,
        "canceled_at": NOW - DAY if status == "canceled" or cancel_at_period_end else None,
        "ended_at": NOW - DAY if status == "canceled" else None,
        "trial_end": trial_end,
        "schedule": schedule,
        "metadata": {"tenant_id": str(tenant_id)} if tenant_id else {},
        "default_payment_method": {
            "id": "pm_card_visa",
            "object": "payment_method",
            "type": "card",
            "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
        }
        if card
        else None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{subscription_id}",
                    "object": "subscription_item",
                    "price": {
                        "id": price,
                        "object": "price",
                        "recurring": {"interval": interval_of(price), "interval_count": 1},
                    },
                    "quantity": 1,
                    "current_period_start": period_start,
                    "current_period_end": period_start + length,
                }
            ],
        },
    }


def invoice(
    invoice_id: str,
    *,
    customer: str,
    subscription_id: str | None,
    status: str = "paid",
    amount: int = 2900,
    created: int = NOW - DAY,
    number: str | None = None,
    tenant_id=None,
) -> dict:
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "status": status,
        "number": number or f"ATR-{invoice_id[-4:].upper()}",
        "amount_due": amount,
        "amount_paid": amount if status == "paid" else 0,
        "currency": "usd",
        "created": created,
        "effective_at": created,
        "hosted_invoice_url": f"https://invoice.stripe.test/i/{invoice_id}",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription_id,
                "metadata": {"tenant_id": str(tenant_id)} if tenant_id else {},
            },
        }
        if subscription_id
        else None,
    }


def event(event_type: str, obj: dict, *, event_id: str | None = None, created: int | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or NOW,
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def checkout_completed(*, customer: str, subscription_id: str, tenant_id, event_id: str | None = None) -> dict:
    session = {
        "id": f"cs_test_{subscription_id}",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": customer,
        "subscription": subscription_id,
        "client_reference_id": str(tenant_id),
        "status": "complete",
    }
    return event("checkout.session.completed", session, event_id=event_id)


def signature_header(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme, computed here by hand: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
