"""Console billing pages: only platform admins, every read audited, resync through Stripe."""

import uuid

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.superadmin.models import PlatformAuditEvent
from tests.billing.fake_stripe import PRICES, checkout_completed, event, invoice, subscription
from tests.billing.helpers import tenant_row
from tests.conftest import on_platform


@pytest.fixture
def console(app, admin_client):
    """The admin-host client, signed in as a platform admin."""
    from app.superadmin.admins import ensure_platform_admin

    with on_platform(app):
        admin, _ = ensure_platform_admin("root@atrium.test", "correct-horse-battery")
        admin_id, token = admin.id, admin.session_token
    with admin_client.session_transaction(base_url="http://admin.atrium.test") as session:
        session["_user_id"] = f"{admin_id}:{token}"
        session["_fresh"] = True
    return admin_client


@pytest.fixture
def paying(app, deliver, fake_stripe, make_tenant):
    tenant = make_tenant("alpha", plan="normal", status="trialing")
    fake_stripe.put_subscription(
        subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"], tenant_id=tenant.id)
    )
    deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=tenant.id, event_id="evt_checkout"))
    deliver(event("charge.refunded", {"id": "ch_1", "object": "charge"}, event_id="evt_other"))
    return tenant


def _audit_actions(app) -> list[str]:
    with on_platform(app):
        return list(db.session.scalars(select(PlatformAuditEvent.action).order_by(PlatformAuditEvent.created_at)))


@pytest.mark.parametrize(
    "path", ["/billing", "/billing/webhooks", "/tenants/0190f5a2-0000-7000-8000-000000000001/billing"]
)
def test_console_billing_pages_need_a_platform_admin(app, admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_console_pages_are_not_served_on_tenant_hosts(app, client_for, paying):
    assert client_for(paying).get("/billing/webhooks").status_code == 404


def test_webhook_log_lists_every_event_and_filters(app, console, paying):
    page = console.get("/billing/webhooks").data.decode()
    assert "evt_checkout" in page
    assert "evt_other" in page
    assert "Atrium does not act on charge.refunded events." in page
    ignored = console.get("/billing/webhooks?result=ignored").data.decode()
    assert "evt_other" in ignored
    assert "evt_checkout" not in ignored
    by_type = console.get("/billing/webhooks?type=checkout.session.completed").data.decode()
    assert "evt_checkout" in by_type
    assert "evt_other" not in by_type
    by_id = console.get("/billing/webhooks?q=sub_1").data.decode()
    assert "evt_checkout" in by_id
    assert "evt_other" not in by_id
    assert _audit_actions(app).count("billing.webhooks_viewed") == 4


def test_webhook_log_paginates(app, console, deliver, fake_stripe):
    for number in range(55):
        deliver(event("charge.refunded", {"id": f"ch_{number}"}, event_id=f"evt_{number:03d}"))
    first = console.get("/billing/webhooks").data.decode()
    assert "evt_054" in first
    assert "evt_000" not in first
    assert 'rel="next"' in first
    import re

    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = console.get(next_url).data.decode()
    assert "evt_000" in second
    assert "evt_054" not in second


def test_tenant_billing_page_shows_ids_status_period_and_events(app, console, paying):
    page = console.get(f"/tenants/{paying.id}/billing")
    assert page.status_code == 200
    html = page.data.decode()
    assert 'data-testid="customer-id">cus_1<' in html
    assert 'data-testid="subscription-id">sub_1<' in html
    assert "evt_checkout" in html
    assert "evt_other" not in html
    assert "price_premium_month" in html
    with on_platform(app):
        audit = db.session.scalar(
            select(PlatformAuditEvent).where(PlatformAuditEvent.action == "billing.tenant_viewed")
        )
        assert audit.tenant_id == paying.id


def test_unknown_tenant_is_404(app, console, fake_stripe):
    assert console.get(f"/tenants/{uuid.uuid4()}/billing").status_code == 404
    assert console.post(f"/tenants/{uuid.uuid4()}/billing/resync").status_code == 404


def test_resync_pulls_subscriptions_and_invoices_from_stripe(app, console, fake_stripe, paying):
    fake_stripe.put_subscription(
        subscription("sub_1", customer="cus_1", price=PRICES["enterprise"]["year"], status="past_due")
    )
    fake_stripe.put_invoice(invoice("in_1", customer="cus_1", subscription_id="sub_1", status="open", amount=299000))
    fake_stripe.calls.clear()
    response = console.post(f"/tenants/{paying.id}/billing/resync")
    assert response.status_code == 303
    [listed] = fake_stripe.requests("GET", "/v1/subscriptions")
    assert listed["args"]["customer"] == ["cus_1"]
    assert listed["args"]["status"] == ["all"]
    assert fake_stripe.requests("GET", "/v1/invoices")[0]["args"]["customer"] == ["cus_1"]
    state = tenant_row(app, paying.id)
    assert (state["plan_code"], state["status"]) == ("enterprise", "past_due")
    html = console.get(f"/tenants/{paying.id}/billing").data.decode()
    assert "Resynced 1 subscription and 1 invoice" in html
    assert "billing.resync" in _audit_actions(app)


def test_resync_without_a_customer_says_so(app, console, fake_stripe, make_tenant):
    tenant = make_tenant("alpha")
    console.post(f"/tenants/{tenant.id}/billing/resync")
    assert b"no Stripe customer yet" in console.get(f"/tenants/{tenant.id}/billing").data
    assert fake_stripe.calls == []


def test_accounts_page_lists_subscriptions(app, console, paying):
    html = console.get("/billing").data.decode()
    assert "sub_1" in html
    assert f"/tenants/{paying.id}/billing" in html
    assert "sub_1" not in console.get("/billing?status=canceled").data.decode()


def test_console_navigation_links_billing_pages(app, console, paying):
    html = console.get("/").data.decode()
    assert 'href="/billing"' in html
    assert 'href="/billing/webhooks"' in html


def test_console_tenant_page_has_a_stripe_panel(app, console, paying):
    html = console.get(f"/tenants/{paying.id}").data.decode()
    assert 'data-testid="stripe-panel"' in html
    assert "cus_1" in html
    assert f'href="/tenants/{paying.id}/billing"' in html


def test_the_console_does_not_change_the_plan_of_an_agency_stripe_bills(app, console, paying):
    """The plan of an agency paying through Stripe follows its subscription: a plan set in the
    console was billed at the old price and undone by the next webhook or resync."""
    assert tenant_row(app, paying.id)["plan_code"] == "premium"
    page = console.get(f"/tenants/{paying.id}").data.decode()
    assert 'data-testid="plan-form"' not in page
    assert "through Stripe" in page
    refused = console.post(f"/tenants/{paying.id}/plan", data={"plan": "enterprise"})
    assert refused.status_code == 409
    assert "through Stripe" in refused.data.decode()
    assert tenant_row(app, paying.id)["plan_code"] == "premium"


def test_the_console_changes_the_plan_once_the_stripe_subscription_ended(app, console, deliver, fake_stripe, paying):
    ended = subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"], tenant_id=paying.id)
    ended["status"] = "canceled"
    fake_stripe.put_subscription(ended)
    deliver(event("customer.subscription.deleted", ended, event_id="evt_deleted"))
    assert console.post(f"/tenants/{paying.id}/plan", data={"plan": "enterprise"}).status_code == 302
    assert tenant_row(app, paying.id)["plan_code"] == "enterprise"


def test_the_audit_log_filters_billing_reads_and_resyncs(app, console, paying):
    """The audit log's kinds of event had no billing group: its reads and Stripe resyncs could
    only be found among every event."""
    console.get("/")
    console.get("/billing")
    page = console.get("/audit?group=billing.").data.decode()
    assert '<option value="billing." selected' in page
    assert "Billing accounts viewed" in page
    assert "Overview viewed" not in page


def test_accounts_page_finds_an_agencys_subscription(app, console, deliver, fake_stripe, make_tenant, paying):
    """The billing list had only a status filter: one agency's subscription (or the one a Stripe
    email names) could only be found by paging through every subscription."""
    beta = make_tenant("beta", plan="normal", status="trialing")
    fake_stripe.put_subscription(
        subscription("sub_2", customer="cus_2", price=PRICES["normal"]["month"], tenant_id=beta.id)
    )
    deliver(checkout_completed(customer="cus_2", subscription_id="sub_2", tenant_id=beta.id, event_id="evt_beta"))
    by_name = console.get("/billing?q=Beta").data.decode()
    assert "sub_2" in by_name
    assert "sub_1" not in by_name
    by_customer = console.get("/billing?q=cus_1").data.decode()
    assert "sub_1" in by_customer
    assert "sub_2" not in by_customer
    assert "sub_2" in console.get("/billing?q=sub_2").data.decode()
    nothing = console.get("/billing?q=nobody").data.decode()
    assert "No subscription matches" in nothing


def test_mrr_counts_a_yearly_subscription_at_a_twelfth_of_its_price(app, console, deliver, fake_stripe, make_tenant):
    """MRR took every active agency at its plan's monthly price: one paying $990 a year read
    $99 a month, not $82.50."""
    tenant = make_tenant("yearly", plan="normal", status="trialing")
    fake_stripe.put_subscription(
        subscription("sub_y", customer="cus_y", price=PRICES["premium"]["year"], tenant_id=tenant.id)
    )
    deliver(checkout_completed(customer="cus_y", subscription_id="sub_y", tenant_id=tenant.id, event_id="evt_y"))
    make_tenant("monthly", plan="normal")  # no Stripe subscription: its plan's monthly price
    html = console.get("/").data.decode()
    assert html.split('data-testid="stat-mrr">')[1].split("<")[0] == "$111.50"


def test_the_cli_does_not_change_the_plan_of_an_agency_stripe_bills_either(app, paying):
    result = app.test_cli_runner().invoke(args=["tenants", "set-plan", "alpha", "enterprise"])
    assert result.exit_code != 0
    assert "through Stripe" in result.output
    assert tenant_row(app, paying.id)["plan_code"] == "premium"
