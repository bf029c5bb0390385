"""How Stripe's subscription state maps to the tenant's plan and status."""

import pytest

from app.core.extensions import db
from app.tenants.models import Tenant
from tests.billing.fake_stripe import DAY, NOW, PRICES, checkout_completed, event, subscription
from tests.billing.helpers import events, snapshot, tenant_row
from tests.conftest import on_platform


@pytest.fixture
def alpha(make_tenant):
    return make_tenant("alpha", plan="normal", status="trialing")


def _sync(deliver, fake_stripe, tenant, subscription_id="sub_1", **kwargs):
    fake_stripe.put_subscription(subscription(subscription_id, customer="cus_1", tenant_id=tenant.id, **kwargs))
    evt = event("customer.subscription.updated", fake_stripe.subscriptions[subscription_id])
    response = deliver(evt)
    assert response.status_code == 200
    return response.json["result"]


@pytest.mark.parametrize(
    ("stripe_status", "plan", "status"),
    [
        ("trialing", "premium", "active"),
        ("active", "premium", "active"),
        ("past_due", "premium", "past_due"),
        ("unpaid", "premium", "suspended"),
        ("paused", "premium", "suspended"),
        ("canceled", "free", "active"),
        ("incomplete", "normal", "trialing"),
        ("incomplete_expired", "normal", "trialing"),
    ],
)
def test_subscription_status_mapping(app, deliver, fake_stripe, alpha, stripe_status, plan, status):
    assert _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["month"], status=stripe_status) == "processed"
    state = tenant_row(app, alpha.id)
    assert (state["plan_code"], state["status"]) == (plan, status)
    assert (state["past_due_since"] is not None) == (status == "past_due")


def test_incomplete_checkout_is_mirrored_but_provisions_nothing(app, deliver, fake_stripe, alpha):
    _sync(deliver, fake_stripe, alpha, price=PRICES["enterprise"]["month"], status="incomplete")
    [mirrored] = snapshot(app, "alpha")["subscriptions"]
    assert mirrored["status"] == "incomplete"
    assert tenant_row(app, alpha.id)["plan_code"] == "normal"


def test_upgrade_applies_as_soon_as_stripe_confirms(app, deliver, fake_stripe, alpha):
    _sync(deliver, fake_stripe, alpha, price=PRICES["normal"]["month"])
    assert tenant_row(app, alpha.id)["plan_code"] == "normal"
    _sync(deliver, fake_stripe, alpha, price=PRICES["enterprise"]["month"])
    assert tenant_row(app, alpha.id)["plan_code"] == "enterprise"


def test_downgrade_waits_for_the_end_of_the_period(app, deliver, fake_stripe, alpha, client_for):
    _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["month"])
    # The portal scheduled the downgrade: Stripe keeps the premium price until the period ends.
    _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["month"], schedule="sub_sched_1")
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"
    assert b'data-testid="scheduled-change"' in client_for(alpha).get("/settings/billing").data
    _sync(deliver, fake_stripe, alpha, price=PRICES["normal"]["month"], period_start=NOW)
    assert tenant_row(app, alpha.id)["plan_code"] == "normal"


def test_cancellation_at_period_end_keeps_the_plan_until_stripe_ends_it(app, deliver, fake_stripe, alpha):
    _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["year"], cancel_at_period_end=True)
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"
    [mirrored] = snapshot(app, "alpha")["subscriptions"]
    assert mirrored["cancel_at_period_end"] is True
    assert mirrored["interval"] == "year"
    _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["year"], status="canceled", cancel_at_period_end=True)
    assert tenant_row(app, alpha.id)["plan_code"] == "free"


def test_unpaid_then_paid_restores_the_tenant(app, deliver, fake_stripe, alpha):
    _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["month"], status="unpaid")
    assert tenant_row(app, alpha.id)["status"] == "suspended"
    _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["month"], status="active")
    state = tenant_row(app, alpha.id)
    assert (state["status"], state["status_reason"]) == ("active", None)


def test_a_suspension_by_the_platform_admin_is_not_lifted_by_billing(app, deliver, fake_stripe, alpha):
    with on_platform(app):
        tenant = db.session.get(Tenant, alpha.id)
        tenant.status, tenant.status_reason = "suspended", "Abuse report #12"
    _sync(deliver, fake_stripe, alpha, price=PRICES["enterprise"]["month"])
    state = tenant_row(app, alpha.id)
    assert (state["plan_code"], state["status"], state["status_reason"]) == (
        "enterprise",
        "suspended",
        "Abuse report #12",
    )


def test_a_new_live_subscription_wins_over_an_old_canceled_one(app, deliver, fake_stripe, alpha):
    _sync(
        deliver,
        fake_stripe,
        alpha,
        "sub_old",
        price=PRICES["normal"]["month"],
        status="canceled",
        created=NOW - 90 * DAY,
    )
    assert tenant_row(app, alpha.id)["plan_code"] == "free"
    _sync(deliver, fake_stripe, alpha, "sub_new", price=PRICES["premium"]["month"], created=NOW - DAY)
    _sync(
        deliver,
        fake_stripe,
        alpha,
        "sub_old",
        price=PRICES["normal"]["month"],
        status="canceled",
        created=NOW - 90 * DAY,
    )
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"


def test_a_replaced_catalogue_price_keeps_its_mirrored_plan(app, deliver, fake_stripe, alpha):
    from app.plans.models import Plan

    _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["month"])
    with on_platform(app):
        db.session.get(Plan, "premium").stripe_price_monthly = "price_premium_month_2027"
    assert _sync(deliver, fake_stripe, alpha, price=PRICES["premium"]["month"], status="past_due") == "processed"
    assert tenant_row(app, alpha.id)["status"] == "past_due"
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"


def test_checkout_links_the_customer_to_the_tenant(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_new", price=PRICES["normal"]["year"]))
    deliver(checkout_completed(customer="cus_new", subscription_id="sub_1", tenant_id=alpha.id))
    assert snapshot(app, "alpha")["customers"] == ["cus_new"]
    # Later events name only the customer or subscription; both now lead to alpha.
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_new", price=PRICES["premium"]["year"]))
    assert (
        deliver(event("customer.subscription.updated", fake_stripe.subscriptions["sub_1"])).json["result"]
        == "processed"
    )
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"
    assert all(e.tenant_id == alpha.id for e in events(app))
