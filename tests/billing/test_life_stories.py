"""Each subscription life story ends in the same state whether its events arrive once and in
order, or five times each and shuffled: effects come from Stripe's current state (the fake
serves the story's final state, as real Stripe would by the time late events arrive)."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import time_machine

from app.core.extensions import db
from tests.billing.conftest import set_prices
from tests.billing.fake_stripe import (
    DAY,
    NOW,
    PRICES,
    checkout_completed,
    event,
    invoice,
    subscription,
)
from tests.billing.helpers import snapshot
from tests.conftest import _truncate_all

FROZEN = datetime.fromtimestamp(NOW, UTC)
CUSTOMER = "cus_story"
SUB = "sub_story"


@dataclass
class Story:
    name: str
    start_plan: str
    start_status: str
    events: list  # functions(tenant_id) -> event, so each replay signs fresh copies
    final_subscriptions: list
    final_invoices: list
    expected: dict
    expected_emails: list = field(default_factory=list)


def sub(tenant_id, plan, interval="month", **kwargs):
    return subscription(SUB, customer=CUSTOMER, price=PRICES[plan][interval], tenant_id=tenant_id, **kwargs)


def inv(invoice_id, tenant_id, status="paid", amount=2900, created=NOW - DAY):
    return invoice(
        invoice_id,
        customer=CUSTOMER,
        subscription_id=SUB,
        status=status,
        amount=amount,
        created=created,
        tenant_id=tenant_id,
    )


def sub_event(kind, event_id, plan, **kwargs):
    return lambda t: event(f"customer.subscription.{kind}", sub(t, plan, **kwargs), event_id=event_id)


def invoice_event(kind, event_id, invoice_id, **kwargs):
    return lambda t: event(f"invoice.{kind}", inv(invoice_id, t, **kwargs), event_id=event_id)


def checkout(event_id):
    return lambda t: checkout_completed(customer=CUSTOMER, subscription_id=SUB, tenant_id=t, event_id=event_id)


STORIES = [
    Story(
        "trial_to_active",
        "normal",
        "trialing",
        [
            checkout("evt_t1"),
            sub_event("created", "evt_t2", "normal", status="trialing", trial_end=NOW + 14 * DAY),
            sub_event("trial_will_end", "evt_t3", "normal", status="trialing", trial_end=NOW + 3 * DAY),
            invoice_event("paid", "evt_t4", "in_trial0", amount=0, created=NOW - 14 * DAY),
            sub_event("updated", "evt_t5", "normal", status="active"),
            invoice_event("paid", "evt_t6", "in_first", amount=2900),
        ],
        [lambda t: sub(t, "normal", status="active", trial_end=NOW - DAY)],
        [lambda t: inv("in_trial0", t, amount=0, created=NOW - 14 * DAY), lambda t: inv("in_first", t)],
        {"plan_code": "normal", "status": "active", "trial_ends_at": None, "past_due_since": None},
    ),
    Story(
        "active_past_due_then_paid",
        "premium",
        "active",
        [
            sub_event("updated", "evt_p1", "premium", status="past_due"),
            invoice_event("payment_failed", "evt_p2", "in_late", status="open", amount=9900),
            invoice_event("payment_failed", "evt_p3", "in_late", status="open", amount=9900),
            invoice_event("paid", "evt_p4", "in_late", amount=9900),
            sub_event("updated", "evt_p5", "premium", status="active"),
        ],
        [lambda t: sub(t, "premium", status="active")],
        [lambda t: inv("in_late", t, amount=9900)],
        {"plan_code": "premium", "status": "active", "past_due_since": None, "status_reason": None},
    ),
    Story(
        "past_due_to_unpaid",
        "premium",
        "active",
        [
            sub_event("updated", "evt_u1", "premium", status="past_due"),
            invoice_event("payment_failed", "evt_u2", "in_unpaid", status="open", amount=9900),
            invoice_event("payment_failed", "evt_u3", "in_unpaid", status="open", amount=9900),
            sub_event("updated", "evt_u4", "premium", status="unpaid"),
        ],
        [lambda t: sub(t, "premium", status="unpaid")],
        [lambda t: inv("in_unpaid", t, status="open", amount=9900)],
        {"plan_code": "premium", "status": "suspended", "past_due_since": None},
        expected_emails=["dunning:in_unpaid"],
    ),
    Story(
        "upgrade",
        "normal",
        "trialing",
        [
            checkout("evt_g1"),
            sub_event("created", "evt_g2", "normal"),
            invoice_event("paid", "evt_g3", "in_normal"),
            sub_event("updated", "evt_g4", "premium"),
            invoice_event("paid", "evt_g5", "in_prorata", amount=7000),
        ],
        [lambda t: sub(t, "premium")],
        [lambda t: inv("in_normal", t, created=NOW - 3 * DAY), lambda t: inv("in_prorata", t, amount=7000)],
        {"plan_code": "premium", "status": "active"},
    ),
    Story(
        "downgrade_at_period_end",
        "premium",
        "active",
        [
            sub_event("created", "evt_d1", "premium", period_start=NOW - 35 * DAY),
            sub_event("updated", "evt_d2", "premium", schedule="sub_sched_1", period_start=NOW - 35 * DAY),
            sub_event("updated", "evt_d3", "normal", period_start=NOW - 5 * DAY),
            invoice_event("paid", "evt_d4", "in_after_downgrade"),
        ],
        [lambda t: sub(t, "normal", period_start=NOW - 5 * DAY)],
        [lambda t: inv("in_after_downgrade", t)],
        {"plan_code": "normal", "status": "active"},
    ),
    Story(
        "cancel",
        "premium",
        "active",
        [
            sub_event("updated", "evt_c1", "premium", cancel_at_period_end=True),
            invoice_event("paid", "evt_c2", "in_last", amount=9900, created=NOW - 30 * DAY),
            sub_event("deleted", "evt_c3", "premium", status="canceled", cancel_at_period_end=True),
        ],
        [lambda t: sub(t, "premium", status="canceled", cancel_at_period_end=True)],
        [lambda t: inv("in_last", t, amount=9900, created=NOW - 30 * DAY)],
        {"plan_code": "free", "status": "active", "status_reason": None},
    ),
]


def _replay(app, make_tenant, deliver, fake_stripe, story: Story, *, copies: int, shuffle: bool) -> dict:
    with app.app_context():
        db.session.remove()
    _truncate_all(app)
    set_prices(app)
    with time_machine.travel(FROZEN, tick=False):
        tenant = make_tenant("alpha", plan=story.start_plan, status=story.start_status)
        fake_stripe.subscriptions.clear()
        fake_stripe.invoices.clear()
        for build in story.final_subscriptions:
            fake_stripe.put_subscription(build(tenant.id))
        for build in story.final_invoices:
            fake_stripe.put_invoice(build(tenant.id))
        deliveries = [build(tenant.id) for build in story.events for _ in range(copies)]
        if shuffle:
            random.Random(f"{story.name}-{copies}").shuffle(deliveries)
        for delivery in deliveries:
            response = deliver(delivery)
            assert response.status_code == 200, response.json
        return snapshot(app, "alpha")


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.name)
def test_story_is_independent_of_duplicates_and_order(app, make_tenant, deliver, fake_stripe, story):
    in_order = _replay(app, make_tenant, deliver, fake_stripe, story, copies=1, shuffle=False)
    shuffled = _replay(app, make_tenant, deliver, fake_stripe, story, copies=5, shuffle=True)
    assert shuffled == in_order
    for column, value in story.expected.items():
        assert in_order["tenant"][column] == value, column
    assert [e[2] for e in in_order["events"]] == ["processed"] * len(story.events)
    assert len(in_order["invoices"]) == len(story.final_invoices)
    assert [key for key, _, _ in in_order["emails"]] == story.expected_emails
