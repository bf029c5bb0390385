"""The webhook trusts nothing it cannot verify: signature, body and timestamp, or a 400."""

import json
import time

import pytest

from tests.billing.fake_stripe import PRICES, checkout_completed, event, subscription
from tests.billing.helpers import events, tenant_row


@pytest.fixture
def upgrade_event(fake_stripe, make_tenant):
    tenant = make_tenant("alpha", plan="normal", status="trialing")
    fake_stripe.put_subscription(
        subscription("sub_1", customer="cus_1", price=PRICES["enterprise"]["month"], tenant_id=tenant.id)
    )
    return tenant, checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=tenant.id)


def _assert_nothing_changed(app, fake_stripe, tenant):
    assert events(app) == []
    assert tenant_row(app, tenant.id)["plan_code"] == "normal"
    assert tenant_row(app, tenant.id)["status"] == "trialing"
    assert fake_stripe.calls == []


def test_signed_event_is_applied(app, deliver, upgrade_event):
    tenant, evt = upgrade_event
    response = deliver(evt)
    assert response.status_code == 200
    assert response.json == {"received": True, "event": evt["id"], "result": "processed"}
    assert tenant_row(app, tenant.id)["plan_code"] == "enterprise"


def test_wrong_secret_is_400_and_changes_nothing(app, deliver, fake_stripe, upgrade_event):
    tenant, evt = upgrade_event
    response = deliver(evt, secret="whsec_someone_else")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_webhook"
    _assert_nothing_changed(app, fake_stripe, tenant)


def test_tampered_body_is_400_and_changes_nothing(app, deliver, fake_stripe, upgrade_event):
    tenant, evt = upgrade_event
    tampered = json.dumps({**evt, "id": "evt_forged"})
    response = deliver(evt, body=tampered)
    assert response.status_code == 400
    _assert_nothing_changed(app, fake_stripe, tenant)


def test_stale_timestamp_is_400_and_changes_nothing(app, deliver, fake_stripe, upgrade_event):
    tenant, evt = upgrade_event
    response = deliver(evt, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    _assert_nothing_changed(app, fake_stripe, tenant)


def test_timestamp_within_five_minutes_is_accepted(app, deliver, upgrade_event):
    _, evt = upgrade_event
    assert deliver(evt, timestamp=int(time.time()) - 240).status_code == 200


@pytest.mark.parametrize("header", [None, "", "garbage", "t=notanumber,v1=abc", "t=123"])
def test_missing_or_malformed_signature_header_is_400(app, apex_client, fake_stripe, upgrade_event, header):
    tenant, evt = upgrade_event
    headers = {"Stripe-Signature": header} if header is not None else {}
    response = apex_client.post(
        "/billing/stripe/webhook", data=json.dumps(evt), headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    _assert_nothing_changed(app, fake_stripe, tenant)


def test_signed_body_that_is_not_an_event_is_400(app, deliver, fake_stripe, upgrade_event):
    tenant, _ = upgrade_event
    assert deliver({"hello": "world"}).status_code == 400
    _assert_nothing_changed(app, fake_stripe, tenant)


def test_webhook_lives_on_the_apex_host_only(app, client_for, fake_stripe, upgrade_event):
    tenant, evt = upgrade_event
    response = client_for(tenant, None).post("/billing/stripe/webhook", data=json.dumps(evt))
    assert response.status_code == 404


def test_without_webhook_secret_the_endpoint_refuses(app, deliver, stripe_settings, make_tenant):
    stripe_settings.update(STRIPE_WEBHOOK_SECRET=None)
    response = deliver(event("customer.subscription.updated", {"id": "sub_x"}))
    assert response.status_code == 503
    assert response.json["error"]["code"] == "not_configured"
    assert events(app) == []
