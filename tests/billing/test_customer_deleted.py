"""A Stripe customer deleted in Stripe's dashboard: the agency can subscribe again."""

import pytest

from tests.billing.fake_stripe import PRICES, checkout_completed, event, subscription
from tests.billing.helpers import events, snapshot


@pytest.fixture
def alpha(make_tenant):
    return make_tenant("alpha", plan="normal", status="active")


def _customer_deleted(tenant, customer="cus_alpha"):
    return event(
        "customer.deleted",
        {"id": customer, "object": "customer", "deleted": True, "metadata": {"tenant_id": str(tenant.id)}},
    )


def _subscribe_then_delete_customer(deliver, fake_stripe, tenant):
    sub = fake_stripe.put_subscription(
        subscription("sub_alpha", customer="cus_alpha", price=PRICES["premium"]["month"], tenant_id=tenant.id)
    )
    assert (
        deliver(checkout_completed(customer="cus_alpha", subscription_id="sub_alpha", tenant_id=tenant.id)).json[
            "result"
        ]
        == "processed"
    )
    # Deleting a customer in Stripe cancels its subscriptions, then says the customer is gone.
    sub.update(status="canceled", ended_at=sub["created"] + 1)
    assert deliver(event("customer.subscription.deleted", sub)).json["result"] == "processed"
    return deliver(_customer_deleted(tenant))


def test_a_deleted_customer_is_unlinked_and_the_next_checkout_makes_a_new_one(
    app, deliver, fake_stripe, alpha, client_for
):
    assert _subscribe_then_delete_customer(deliver, fake_stripe, alpha).json["result"] == "processed"
    assert snapshot(app, "alpha")["customers"] == []

    response = client_for(alpha).post("/settings/billing/checkout", data={"plan": "premium", "interval": "month"})
    assert response.status_code == 303
    [created] = fake_stripe.requests("POST", "/v1/customers")
    # Not the first customer's idempotency key: Stripe would answer with the deleted customer.
    assert created["headers"]["Idempotency-Key"] != f"atrium-customer-{alpha.id}"
    [session] = fake_stripe.requests("POST", "/v1/checkout/sessions")
    assert session["form"]["customer"] not in ("", "cus_alpha")


def test_the_portal_is_not_offered_for_a_deleted_customer(app, deliver, fake_stripe, alpha, client_for):
    _subscribe_then_delete_customer(deliver, fake_stripe, alpha)
    response = client_for(alpha).post("/settings/billing/portal", follow_redirects=True)
    assert fake_stripe.requests("POST", "/v1/billing_portal/sessions") == []
    assert b"choose a plan first" in response.data


def test_a_replayed_customer_deleted_event_is_a_duplicate(app, deliver, fake_stripe, alpha):
    _subscribe_then_delete_customer(deliver, fake_stripe, alpha)
    replay = _customer_deleted(alpha)
    replay["id"] = events(app)[-1].event_id
    assert deliver(replay).json["result"] == "duplicate"


def test_a_deleted_customer_that_is_not_the_agencys_own_changes_nothing(app, deliver, fake_stripe, alpha):
    _subscribe_then_delete_customer(deliver, fake_stripe, alpha)
    before = snapshot(app, "alpha")["customers"]
    # An old customer of the agency's, replaced since, being deleted leaves the current one.
    fake_stripe.put_subscription(
        subscription("sub_alpha2", customer="cus_alpha2", price=PRICES["normal"]["month"], tenant_id=alpha.id)
    )
    deliver(checkout_completed(customer="cus_alpha2", subscription_id="sub_alpha2", tenant_id=alpha.id))
    assert deliver(_customer_deleted(alpha, "cus_alpha")).status_code == 200
    assert snapshot(app, "alpha")["customers"] == [*before, "cus_alpha2"]
