"""Stripe is read before the tenant is locked and outside any transaction: `enforce()` takes
the same row lock for every counted write, and a slow Stripe must not hold it."""

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text, update

from app.billing import webhooks
from app.billing.gateway import StripeGateway
from app.billing.models import EventResult, StripeEvent
from app.billing.sync import upsert_subscription
from app.core.extensions import db
from app.core.types import utcnow
from app.tenants.models import Tenant
from tests.billing.fake_stripe import PRICES, checkout_completed, event, invoice, subscription
from tests.billing.helpers import events, outbox, snapshot, tenant_row
from tests.conftest import USE_POSTGRES, on_platform


@pytest.fixture
def alpha(make_tenant):
    return make_tenant("alpha", plan="normal", status="trialing")


@pytest.fixture
def stripe_calls(app, monkeypatch):
    """Every gateway read, with whether a transaction was open in the request at that moment
    and (on PostgreSQL) whether another connection could take the tenant's row lock."""
    seen = []
    probe = create_engine(app.config["TEST_ADMIN_DATABASE_URL"]) if USE_POSTGRES else None

    def lock_is_free() -> bool | None:
        if probe is None:
            return None
        with probe.begin() as connection:
            locked = connection.execute(text("SELECT id FROM tenants FOR UPDATE SKIP LOCKED")).all()
            total = connection.execute(text("SELECT count(*) FROM tenants")).scalar()
        return len(locked) == total

    def watch(name):
        original = getattr(StripeGateway, name)

        def wrapper(self, *args, **kwargs):
            seen.append((name, db.session().in_transaction(), lock_is_free()))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(StripeGateway, name, wrapper)

    for name in ("retrieve_subscription", "retrieve_invoice", "list_subscriptions", "list_invoices"):
        watch(name)
    yield seen
    if probe is not None:
        probe.dispose()


def test_webhook_reads_stripe_with_no_transaction_and_no_tenant_lock(app, deliver, fake_stripe, alpha, stripe_calls):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    assert deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id)).status_code == 200
    fake_stripe.put_invoice(invoice("in_1", customer="cus_1", subscription_id="sub_1", status="open"))
    response = deliver(event("invoice.payment_failed", fake_stripe.invoices["in_1"]))
    assert response.json["result"] == "processed"
    assert [name for name, _, _ in stripe_calls] == [
        "retrieve_subscription",
        "retrieve_invoice",
        "retrieve_subscription",
    ]
    assert not any(in_transaction for _, in_transaction, _ in stripe_calls)
    if USE_POSTGRES:
        assert all(free for _, _, free in stripe_calls)
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"
    assert [m["key"].startswith("dunning:in_1:") for m in outbox(app, alpha.id)] == [True]


@pytest.mark.skipif(not USE_POSTGRES, reason="row locks need PostgreSQL")
def test_the_nightly_resync_reads_stripe_before_locking(app, fake_stripe, alpha, stripe_calls):
    from app.billing.jobs import resync_all
    from app.billing.models import BillingCustomer

    with on_platform(app):
        db.session.add(BillingCustomer(tenant_id=alpha.id, stripe_customer_id="cus_1"))
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    with app.app_context():
        assert resync_all()["changed"] == 1
    assert {name for name, _, _ in stripe_calls} == {"list_subscriptions", "list_invoices"}
    assert all(free for _, _, free in stripe_calls)
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"


def test_a_state_read_earlier_never_overwrites_one_read_later(app, fake_stripe, alpha):
    from app.core.context import tenant_context

    newer = subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"], status="active")
    older = subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"], status="past_due")
    late_reader_started = utcnow()
    with on_platform(app), tenant_context(alpha.id):
        tenant = db.session.get(Tenant, alpha.id)
        upsert_subscription(tenant, newer, read_at=late_reader_started)
        upsert_subscription(tenant, older, read_at=late_reader_started - timedelta(seconds=1))
    assert [row["status"] for row in snapshot(app, "alpha")["subscriptions"]] == ["active"]


def test_an_invoice_never_moves_back_to_open(app, deliver, fake_stripe, alpha):
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id))
    fake_stripe.put_invoice(invoice("in_1", customer="cus_1", subscription_id="sub_1", status="paid"))
    deliver(event("invoice.paid", fake_stripe.invoices["in_1"]))
    # A reader that fetched before the payment finishes after it: its "open" is stale.
    fake_stripe.put_invoice(invoice("in_1", customer="cus_1", subscription_id="sub_1", status="open"))
    assert deliver(event("invoice.payment_failed", fake_stripe.invoices["in_1"])).json["result"] == "processed"
    assert [row["status"] for row in snapshot(app, "alpha")["invoices"]] == ["paid"]
    assert outbox(app, alpha.id) == []


def _claim_started(app, event_id: str, started) -> None:
    with on_platform(app):
        db.session.execute(update(StripeEvent).where(StripeEvent.event_id == event_id).values(processed_at=started))


def test_a_delivery_while_another_holds_the_claim_asks_stripe_to_retry(app, deliver, fake_stripe, alpha, monkeypatch):
    monkeypatch.setattr(webhooks, "WAIT_FOR_CLAIM_SECONDS", 0.2)
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    evt = checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=alpha.id)
    with app.app_context():
        assert webhooks._claim(evt) == webhooks.CLAIMED  # another process, still reading Stripe
    response = deliver(evt)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "in_progress"
    assert fake_stripe.calls == []
    # That process died: once the claim is abandoned, the next delivery takes it over.
    _claim_started(app, evt["id"], utcnow() - webhooks.ABANDONED_CLAIM_AFTER - timedelta(seconds=1))
    assert deliver(evt).json["result"] == "processed"
    [record] = events(app)
    assert (record.result, record.attempts) == (EventResult.PROCESSED, 2)
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"
    with on_platform(app):
        assert db.session.scalar(select(StripeEvent.result)) == "processed"
