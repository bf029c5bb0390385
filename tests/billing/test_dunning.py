"""Failed payments: banner, grace period, read-only, one email per failed invoice, recovery."""

from datetime import timedelta

import pytest
import time_machine

from app.auth.services import create_user
from app.core.types import utcnow
from tests.billing.fake_stripe import DAY, NOW, PRICES, checkout_completed, event, invoice, subscription
from tests.billing.helpers import outbox, tenant_row
from tests.conftest import in_tenant


@pytest.fixture
def subscribed(app, deliver, fake_stripe, make_tenant):
    """alpha pays for premium monthly through sub_1 / cus_1."""
    tenant = make_tenant("alpha", plan="normal", status="trialing")
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    assert (
        deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=tenant.id)).status_code == 200
    )
    return tenant


def _fail(fake_stripe, deliver, invoice_id="in_1", copies=1):
    fake_stripe.put_subscription(
        subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"], status="past_due")
    )
    failed = fake_stripe.put_invoice(
        invoice(invoice_id, customer="cus_1", subscription_id="sub_1", status="open", amount=9900)
    )
    evt = event("invoice.payment_failed", failed)
    for _ in range(copies):
        assert deliver(evt).status_code == 200


def test_failed_payment_marks_past_due_and_shows_the_banner(app, deliver, fake_stripe, subscribed, client_for):
    _fail(fake_stripe, deliver)
    state = tenant_row(app, subscribed.id)
    assert state["status"] == "past_due"
    assert state["past_due_since"] is not None
    page = client_for(subscribed, "sales").get("/")
    assert b'data-testid="banner-past-due"' in page.data
    assert b"an owner of the workspace can update the card" in page.data  # billing is closed to sales
    assert b'href="/settings/billing"' in client_for(subscribed).get("/").data


def test_dunning_email_goes_out_once_per_failed_invoice(app, deliver, fake_stripe, subscribed):
    with in_tenant(app, subscribed):
        second_owner_id = create_user(email="co-owner@example.com", name="Co Owner", password=None, role="owner").id
    _fail(fake_stripe, deliver, "in_1", copies=3)
    # Stripe's retry of the same invoice is a new event: still no second email.
    _fail(fake_stripe, deliver, "in_1", copies=2)
    messages = outbox(app, subscribed.id)
    assert sorted(m["to"] for m in messages) == ["co-owner@example.com", "owner@example.com"]
    assert {m["key"] for m in messages} == {
        f"dunning:in_1:{subscribed.users['owner']}",
        f"dunning:in_1:{second_owner_id}",
    }
    assert "ATR-IN_1" in messages[0]["text"]
    assert "http://alpha.atrium.test/settings/billing" in messages[0]["text"]
    _fail(fake_stripe, deliver, "in_2")
    assert len(outbox(app, subscribed.id)) == 4


def test_dunning_email_is_delivered_through_the_outbox(app, deliver, fake_stripe, subscribed):
    from sqlalchemy import select

    from app.core.extensions import db
    from app.messaging.models import DevMailboxMessage, OutboxMessage
    from tests.conftest import deliver_outbox, on_platform

    _fail(fake_stripe, deliver)
    with on_platform(app):
        # Stripe's webhook request only queued it; the job runner sends it.
        assert db.session.scalar(select(OutboxMessage.status)) == "queued"
    assert deliver_outbox(app)["sent"] == 1
    with on_platform(app):
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.status == "sent"
        [mail] = db.session.scalars(select(DevMailboxMessage)).all()
        assert mail.to_address == "owner@example.com"
        assert mail.subject == "Payment failed for Alpha Agency's Atrium subscription"


def test_failure_event_for_an_invoice_paid_since_sends_nothing(app, deliver, fake_stripe, subscribed):
    paid = fake_stripe.put_invoice(invoice("in_1", customer="cus_1", subscription_id="sub_1", status="paid"))
    assert deliver(event("invoice.payment_failed", {**paid, "status": "open"})).json["result"] == "processed"
    assert outbox(app, subscribed.id) == []
    assert tenant_row(app, subscribed.id)["status"] == "active"


def test_grace_period_then_read_only_then_payment_restores(app, deliver, fake_stripe, subscribed, client_for):
    _fail(fake_stripe, deliver)
    owner = client_for(subscribed)
    assert owner.post("/settings", data={"name": "Still writable"}).status_code != 403
    with time_machine.travel(utcnow() + timedelta(days=8)):
        blocked = owner.post("/settings", data={"name": "Blocked"})
        assert blocked.status_code == 403
        assert owner.get("/settings/billing").status_code == 200
        assert owner.post("/settings/billing/portal").status_code == 303
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    paid = fake_stripe.put_invoice(
        invoice("in_1", customer="cus_1", subscription_id="sub_1", status="paid", amount=9900)
    )
    assert deliver(event("invoice.paid", paid)).json["result"] == "processed"
    state = tenant_row(app, subscribed.id)
    assert (state["status"], state["past_due_since"], state["status_reason"]) == ("active", None, None)


def test_past_due_since_is_set_once(app, deliver, fake_stripe, subscribed):
    _fail(fake_stripe, deliver, "in_1")
    first = tenant_row(app, subscribed.id)["past_due_since"]
    with time_machine.travel(utcnow() + timedelta(days=2)):
        _fail(fake_stripe, deliver, "in_2")
    assert tenant_row(app, subscribed.id)["past_due_since"] == first


def test_action_required_emails_the_owner_once(app, deliver, fake_stripe, subscribed):
    pending = fake_stripe.put_invoice(
        invoice("in_3ds", customer="cus_1", subscription_id="sub_1", status="open", amount=9900)
    )
    for _ in range(3):
        deliver(event("invoice.payment_action_required", pending))
    [message] = outbox(app, subscribed.id)
    assert message["key"].startswith("payment_action:in_3ds:")
    assert "https://invoice.stripe.test/i/in_3ds" in message["text"]


def _trialing(fake_stripe, tenant, *, trial_end):
    """The tenant's Normal subscription in Stripe, on a trial that ends at `trial_end`."""
    return fake_stripe.put_subscription(
        subscription(
            "sub_1",
            customer="cus_1",
            price=PRICES["normal"]["month"],
            status="trialing",
            trial_end=trial_end,
            tenant_id=tenant.id,
        )
    )


def test_trial_will_end_emails_once_per_trial_end(app, deliver, fake_stripe, make_tenant):
    tenant = make_tenant("alpha", plan="normal", status="trialing")
    trialing = _trialing(fake_stripe, tenant, trial_end=NOW + 3 * DAY)
    with time_machine.travel(NOW):
        for _ in range(2):
            deliver(event("customer.subscription.trial_will_end", trialing))
        assert tenant_row(app, tenant.id)["status"] == "active"
        [message] = outbox(app, tenant.id)
        assert message["subject"] == "Your Atrium trial ends on 24 November 2026"
        assert message["key"].startswith(f"trial_will_end:sub_1:{NOW + 3 * DAY}:")


def test_the_trial_end_is_dated_in_the_agencys_time_zone(app, deliver, fake_stripe, make_tenant, set_tenant):
    """23:00 UTC on 24 November is already the 25th in Auckland: the email said the 24th."""
    tenant = make_tenant("alpha", plan="normal", status="trialing")
    set_tenant(tenant, timezone="Pacific/Auckland")
    trialing = _trialing(fake_stripe, tenant, trial_end=NOW + 3 * DAY + 11 * 3600)
    with time_machine.travel(NOW):
        deliver(event("customer.subscription.trial_will_end", trialing))
        [message] = outbox(app, tenant.id)
    assert message["subject"] == "Your Atrium trial ends on 25 November 2026"
    assert "ends on 25 November 2026." in message["text"]
