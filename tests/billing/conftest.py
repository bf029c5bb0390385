"""Billing fixtures: Stripe configured against a local server, priced plans, signed delivery."""

import json

import pytest

from app.core.extensions import db
from tests.billing.fake_stripe import PRICES, WEBHOOK_SECRET, FakeStripe, signature_header
from tests.conftest import on_platform

STRIPE_SETTINGS = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_MAX_NETWORK_RETRIES")


@pytest.fixture
def stripe_settings(app):
    """Restore the app's Stripe settings after a test changes them."""
    saved = {key: app.config.get(key) for key in STRIPE_SETTINGS}
    yield app.config
    app.config.update(saved)
    app.extensions.pop("stripe_gateway", None)


@pytest.fixture
def fake_stripe(app, httpserver, stripe_settings):
    """Stripe configured, its API served by a local pytest-httpserver, plans priced."""
    stripe_settings.update(
        STRIPE_SECRET_KEY="sk_test_atrium",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=httpserver.url_for("/").rstrip("/"),
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    set_prices(app)
    return FakeStripe(httpserver)


def set_prices(app) -> None:
    from app.plans.models import Plan

    with on_platform(app):
        for code, prices in PRICES.items():
            plan = db.session.get(Plan, code)
            plan.stripe_price_monthly = prices["month"]
            plan.stripe_price_yearly = prices["year"]


@pytest.fixture
def deliver(apex_client):
    """deliver(event, secret=..., timestamp=..., body=...) posts a signed webhook to the apex host."""

    def post(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None, body: str | None = None):
        payload = json.dumps(event)
        header = signature_header(payload, secret, timestamp)
        return apex_client.post(
            "/billing/stripe/webhook",
            data=body if body is not None else payload,
            headers={"Stripe-Signature": header},
            content_type="application/json",
        )

    return post
