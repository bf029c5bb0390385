"""Each event is applied once: duplicates, simultaneous copies and failed attempts."""

import json
import threading

import pytest

from app.billing.models import EventResult
from tests.billing.fake_stripe import PRICES, checkout_completed, event, invoice, signature_header, subscription
from tests.billing.helpers import events, outbox, snapshot, tenant_row
from tests.conftest import USE_POSTGRES, host_client


@pytest.fixture
def alpha(make_tenant):
    return make_tenant("alpha", plan="normal", status="trialing")


def test_checkout_completed_fetches_the_subscription_and_provisions_the_plan(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["year"]))
    assert deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id)).status_code == 200
    [retrieve] = fake_stripe.requests("GET", "/v1/subscriptions/sub_1")
    assert retrieve["args"] == {"expand[0]": ["default_payment_method"]}
    assert retrieve["headers"]["Authorization"] == "Bearer sk_test_atrium"
    state = tenant_row(app, alpha.id)
    assert (state["plan_code"], state["status"], state["trial_ends_at"]) == ("premium", "active", None)
    [record] = events(app)
    assert (record.result, record.tenant_id, record.stripe_subscription_id) == ("processed", alpha.id, "sub_1")


def test_duplicate_delivery_is_200_and_changes_nothing(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    evt = checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id)
    assert deliver(evt).json["result"] == "processed"
    before = tenant_row(app, alpha.id)
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["normal"]["month"]))
    second = deliver(evt)
    assert second.status_code == 200
    assert second.json["result"] == "duplicate"
    assert tenant_row(app, alpha.id) == before
    assert len(events(app)) == 1
    assert len(fake_stripe.requests("GET", "/v1/subscriptions/sub_1")) == 1


def test_unknown_price_is_logged_and_changes_nothing(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price="price_from_somewhere_else"))
    response = deliver(
        event(
            "customer.subscription.created",
            fake_stripe.subscriptions["sub_1"] | {"metadata": {"tenant_id": str(alpha.id)}},
        )
    )
    assert response.status_code == 200
    assert response.json["result"] == "ignored"
    [record] = events(app)
    assert record.result == EventResult.IGNORED
    assert "price_from_somewhere_else" in record.error
    assert tenant_row(app, alpha.id)["plan_code"] == "normal"
    assert tenant_row(app, alpha.id)["status"] == "trialing"
    assert snapshot(app, "alpha")["subscriptions"] == []
    assert snapshot(app, "alpha")["customers"] == []


def test_event_for_an_unknown_customer_is_ignored(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_9", customer="cus_9", price=PRICES["premium"]["month"]))
    response = deliver(event("customer.subscription.updated", fake_stripe.subscriptions["sub_9"]))
    assert response.json["result"] == "ignored"
    assert "cus_9" in events(app)[0].error
    assert fake_stripe.calls == []


def test_unhandled_event_type_is_recorded_as_ignored(app, deliver, fake_stripe):
    response = deliver(event("charge.refunded", {"id": "ch_1", "object": "charge"}))
    assert response.status_code == 200
    assert response.json["result"] == "ignored"
    assert events(app)[0].type == "charge.refunded"


def test_stripe_outage_fails_the_event_and_a_redelivery_processes_it(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    evt = checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id)
    fake_stripe.failing = 500
    response = deliver(evt)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "stripe_unavailable"
    [failed] = events(app)
    assert failed.result == EventResult.FAILED
    assert "bad day" in failed.error
    assert tenant_row(app, alpha.id)["plan_code"] == "normal"
    fake_stripe.failing = None
    retried = deliver(evt)
    assert retried.json["result"] == "processed"
    [record] = events(app)
    assert (record.result, record.error, record.attempts) == ("processed", None, 2)
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"
    assert deliver(evt).json["result"] == "duplicate"


def test_subscription_missing_in_stripe_is_ignored(app, deliver, fake_stripe, alpha):
    response = deliver(checkout_completed(customer="cus_1", subscription_id="sub_gone", tenant_id=alpha.id))
    assert response.json["result"] == "ignored"
    assert "sub_gone" in events(app)[0].error


def test_a_subscription_never_moves_to_another_tenant(app, deliver, fake_stripe, alpha, make_tenant):
    bravo = make_tenant("bravo", plan="normal")
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id))
    fake_stripe.put_subscription(
        subscription("sub_1", customer="cus_1", price=PRICES["enterprise"]["month"], tenant_id=bravo.id)
    )
    deliver(checkout_completed(customer="cus_other", subscription_id="sub_1", tenant_id=bravo.id))
    assert tenant_row(app, bravo.id)["plan_code"] == "normal"
    assert tenant_row(app, alpha.id)["plan_code"] == "enterprise"


def _post_simultaneously(app, evt: dict, copies: int) -> list[tuple[int, str]]:
    """Deliver `copies` identical signed requests from as many threads, released together."""
    payload = json.dumps(evt)
    barrier = threading.Barrier(copies)
    results = []

    def post():
        client = host_client(app, "http://atrium.test")
        barrier.wait()
        response = client.post(
            "/billing/stripe/webhook",
            data=payload,
            headers={"Stripe-Signature": signature_header(payload)},
            content_type="application/json",
        )
        results.append((response.status_code, (response.json or {}).get("result")))

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


@pytest.mark.skipif(not USE_POSTGRES, reason="true concurrency needs PostgreSQL")
def test_simultaneous_deliveries_of_one_event_are_processed_once(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    assert deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id)).status_code == 200
    for round_ in range(5):
        invoice_id = f"in_{round_}"
        fake_stripe.put_invoice(invoice(invoice_id, customer="cus_1", subscription_id="sub_1", status="open"))
        results = _post_simultaneously(app, event("invoice.payment_failed", fake_stripe.invoices[invoice_id]), 4)
        assert results == [(200, "duplicate")] * 3 + [(200, "processed")]
        assert len(fake_stripe.requests("GET", f"/v1/invoices/{invoice_id}")) == 1
    assert len([e for e in events(app) if e.type == "invoice.payment_failed"]) == 5
    assert sorted(m["key"].split(":")[1] for m in outbox(app, alpha.id)) == [f"in_{i}" for i in range(5)]
