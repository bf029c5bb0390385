"""StripeGateway: the few Stripe calls Atrium makes, through the real `stripe` client.

Everything returned is a plain dict (Stripe's JSON), so the rest of the package never
depends on StripeObject. Without STRIPE_SECRET_KEY there is no gateway at all.
"""

from flask import current_app
from stripe import StripeClient, StripeError


class GatewayError(Exception):
    """Stripe could not be reached or refused the call; the message is safe to show."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def not_found(self) -> bool:
        return self.status == 404


def _call(operation, *args, **kwargs) -> dict:
    try:
        return operation(*args, **kwargs).to_dict()
    except StripeError as exc:
        raise GatewayError(exc.user_message or str(exc) or type(exc).__name__, status=exc.http_status) from exc


class StripeGateway:
    def __init__(self, api_key: str, api_base: str, *, max_network_retries: int = 2):
        self.client = StripeClient(
            api_key, base_addresses={"api": api_base}, max_network_retries=max_network_retries
        ).v1

    def create_customer(self, *, tenant_id, email: str, name: str, replacing: str | None = None) -> dict:
        """`replacing` names the tenant's last customer, deleted in Stripe: its replacement
        needs an idempotency key of its own, or Stripe would answer with the deleted one."""
        key = f"atrium-customer-{tenant_id}" + (f"-after-{replacing}" if replacing else "")
        return _call(
            self.client.customers.create,
            params={"email": email, "name": name, "metadata": {"tenant_id": str(tenant_id)}},
            # A retried first checkout must not create a second customer for the tenant.
            options={"idempotency_key": key},
        )

    def create_checkout_session(
        self,
        *,
        tenant_id,
        customer_id: str,
        price_id: str,
        success_url: str,
        cancel_url: str,
        metadata: dict,
        trial_end: int | None = None,
    ) -> dict:
        subscription_data: dict = {"metadata": {"tenant_id": str(tenant_id)}}
        if trial_end is not None:
            subscription_data["trial_end"] = trial_end
        return _call(
            self.client.checkout.sessions.create,
            params={
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": str(tenant_id),
                "line_items": [{"price": price_id, "quantity": 1}],
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": {"tenant_id": str(tenant_id), **metadata},
                "subscription_data": subscription_data,
            },
        )

    def create_portal_session(self, *, customer_id: str, return_url: str, flow_data: dict | None = None) -> dict:
        params: dict = {"customer": customer_id, "return_url": return_url}
        if flow_data:
            params["flow_data"] = flow_data
        return _call(self.client.billing_portal.sessions.create, params=params)

    def retrieve_subscription(self, subscription_id: str) -> dict:
        return _call(self.client.subscriptions.retrieve, subscription_id, params={"expand": ["default_payment_method"]})

    def list_subscriptions(self, customer_id: str) -> list[dict]:
        page = _call(
            self.client.subscriptions.list,
            params={
                "customer": customer_id,
                "status": "all",
                "limit": 100,
                "expand": ["data.default_payment_method"],
            },
        )
        return page.get("data") or []

    def retrieve_invoice(self, invoice_id: str) -> dict:
        return _call(self.client.invoices.retrieve, invoice_id)

    def list_invoices(self, customer_id: str, *, limit: int = 24) -> list[dict]:
        page = _call(self.client.invoices.list, params={"customer": customer_id, "limit": limit})
        return page.get("data") or []


def billing_configured() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def get_gateway() -> StripeGateway | None:
    """The app's gateway, or None when Stripe is not configured (the app works without it)."""
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        return None
    key = (config["STRIPE_SECRET_KEY"], config["STRIPE_API_BASE"], config.get("STRIPE_MAX_NETWORK_RETRIES", 2))
    cached = current_app.extensions.get("stripe_gateway")
    if cached is None or cached[0] != key:
        cached = (key, StripeGateway(key[0], key[1], max_network_retries=key[2]))
        current_app.extensions["stripe_gateway"] = cached
    return cached[1]
