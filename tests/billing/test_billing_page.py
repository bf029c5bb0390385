"""The owner's billing page: checkout and portal through the real client, allow-listed prices,
not-configured mode, permissions, read-only tenants and two-tenant isolation."""

from datetime import timedelta

import pytest

from app.core.extensions import db
from app.core.types import utcnow
from tests.billing.fake_stripe import PRICES, checkout_completed, invoice, subscription
from tests.billing.helpers import tenant_row
from tests.conftest import on_platform


@pytest.fixture
def alpha(make_tenant):
    return make_tenant("alpha", plan="normal", status="active")


def _subscribe(deliver, fake_stripe, tenant, plan="premium", interval="month", customer="cus_alpha"):
    fake_stripe.put_subscription(
        subscription(f"sub_{tenant.slug}", customer=customer, price=PRICES[plan][interval], tenant_id=tenant.id)
    )
    evt = checkout_completed(customer=customer, subscription_id=f"sub_{tenant.slug}", tenant_id=tenant.id)
    assert deliver(evt).json["result"] == "processed"


def test_checkout_creates_the_customer_then_a_session_and_redirects(app, fake_stripe, alpha, client_for):
    response = client_for(alpha).post("/settings/billing/checkout", data={"plan": "premium", "interval": "year"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    [customer] = fake_stripe.requests("POST", "/v1/customers")
    assert customer["form"] == {
        "email": "owner@example.com",
        "name": "Alpha Agency",
        "metadata[tenant_id]": str(alpha.id),
    }
    assert customer["headers"]["Idempotency-Key"] == f"atrium-customer-{alpha.id}"
    [session] = fake_stripe.requests("POST", "/v1/checkout/sessions")
    form = session["form"]
    assert form["mode"] == "subscription"
    assert form["customer"].startswith("cus_")
    assert form["line_items[0][price]"] == "price_premium_year"
    assert form["line_items[0][quantity]"] == "1"
    assert form["client_reference_id"] == str(alpha.id)
    assert form["subscription_data[metadata][tenant_id]"] == str(alpha.id)
    assert form["success_url"] == "http://alpha.atrium.test/settings/billing/success?session_id={CHECKOUT_SESSION_ID}"
    assert form["cancel_url"] == "http://alpha.atrium.test/settings/billing/canceled"
    assert "subscription_data[trial_end]" not in form
    assert tenant_row(app, alpha.id)["plan_code"] == "normal"  # nothing changes before Stripe confirms


def test_second_checkout_reuses_the_customer(app, fake_stripe, alpha, client_for):
    owner = client_for(alpha)
    owner.post("/settings/billing/checkout", data={"plan": "premium", "interval": "month"})
    owner.post("/settings/billing/checkout", data={"plan": "enterprise", "interval": "month"})
    assert len(fake_stripe.requests("POST", "/v1/customers")) == 1
    sessions = fake_stripe.requests("POST", "/v1/checkout/sessions")
    assert sessions[0]["form"]["customer"] == sessions[1]["form"]["customer"]


def test_a_price_sent_by_the_browser_is_never_used(app, fake_stripe, alpha, client_for):
    client_for(alpha).post(
        "/settings/billing/checkout",
        data={"plan": "normal", "interval": "month", "price": "price_one_cent", "line_items[0][price]": "price_x"},
    )
    [session] = fake_stripe.requests("POST", "/v1/checkout/sessions")
    assert session["form"]["line_items[0][price]"] == "price_normal_month"


@pytest.mark.parametrize(
    "data",
    [
        {"plan": "free", "interval": "month"},
        {"plan": "platinum", "interval": "month"},
        {"plan": "premium", "interval": "week"},
        {"plan": "price_premium_month", "interval": "month"},
        {},
    ],
)
def test_a_plan_outside_the_allow_list_is_an_inline_error(app, fake_stripe, alpha, client_for, data):
    response = client_for(alpha).post("/settings/billing/checkout", data=data)
    assert response.status_code == 422
    assert b'data-testid="plan-errors"' in response.data
    assert fake_stripe.calls == []


def test_a_plan_without_a_price_id_cannot_be_bought(app, fake_stripe, alpha, client_for):
    from app.plans.models import Plan

    with on_platform(app):
        db.session.get(Plan, "enterprise").stripe_price_yearly = None
    response = client_for(alpha).post("/settings/billing/checkout", data={"plan": "enterprise", "interval": "year"})
    assert response.status_code == 422
    assert b"Enterprise is not sold yearly online yet." in response.data
    assert fake_stripe.calls == []


def test_a_trialing_tenant_is_not_charged_before_its_trial_ends(app, fake_stripe, make_tenant, client_for):
    from app.tenants.models import Tenant

    tenant = make_tenant("alpha", plan="normal", status="trialing")
    trial_end = utcnow().replace(microsecond=0) + timedelta(days=10)
    with on_platform(app):
        db.session.get(Tenant, tenant.id).trial_ends_at = trial_end
    client_for(tenant).post("/settings/billing/checkout", data={"plan": "normal", "interval": "month"})
    [session] = fake_stripe.requests("POST", "/v1/checkout/sessions")
    assert session["form"]["subscription_data[trial_end]"] == str(int(trial_end.timestamp()))


def test_a_paying_tenant_changes_plan_in_the_portal_not_a_second_checkout(app, deliver, fake_stripe, alpha, client_for):
    _subscribe(deliver, fake_stripe, alpha, "premium", "month")
    response = client_for(alpha).post("/settings/billing/checkout", data={"plan": "enterprise", "interval": "year"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://billing.stripe.test/p/session/")
    assert fake_stripe.requests("POST", "/v1/checkout/sessions") == []
    [portal] = fake_stripe.requests("POST", "/v1/billing_portal/sessions")
    form = portal["form"]
    assert form["customer"] == "cus_alpha"
    assert form["flow_data[type]"] == "subscription_update_confirm"
    assert form["flow_data[subscription_update_confirm][subscription]"] == "sub_alpha"
    assert form["flow_data[subscription_update_confirm][items][0][id]"] == "si_sub_alpha"
    assert form["flow_data[subscription_update_confirm][items][0][price]"] == "price_enterprise_year"
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"


def test_choosing_the_current_plan_again_is_refused(app, deliver, fake_stripe, alpha, client_for):
    _subscribe(deliver, fake_stripe, alpha, "premium", "month")
    response = client_for(alpha).post("/settings/billing/checkout", data={"plan": "premium", "interval": "month"})
    assert response.status_code == 422
    assert b"already on Premium" in response.data


def test_manage_billing_opens_the_customer_portal(app, deliver, fake_stripe, alpha, client_for):
    _subscribe(deliver, fake_stripe, alpha)
    response = client_for(alpha).post("/settings/billing/portal")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://billing.stripe.test/p/session/")
    [portal] = fake_stripe.requests("POST", "/v1/billing_portal/sessions")
    assert portal["form"] == {"customer": "cus_alpha", "return_url": "http://alpha.atrium.test/settings/billing"}


def test_portal_without_a_customer_explains_instead_of_calling_stripe(app, fake_stripe, alpha, client_for):
    owner = client_for(alpha)
    response = owner.post("/settings/billing/portal")
    assert response.status_code == 303
    assert fake_stripe.calls == []
    assert b"choose a plan first" in owner.get("/settings/billing").data


def test_stripe_refusing_the_checkout_is_a_flash_not_an_error_page(app, fake_stripe, alpha, client_for):
    fake_stripe.failing = 500
    owner = client_for(alpha)
    response = owner.post("/settings/billing/checkout", data={"plan": "premium", "interval": "month"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/settings/billing")
    assert b"Stripe could not start the checkout" in owner.get("/settings/billing").data


def test_billing_page_shows_plan_renewal_card_and_invoices(app, deliver, fake_stripe, alpha, client_for):
    _subscribe(deliver, fake_stripe, alpha, "premium", "month")
    paid = fake_stripe.put_invoice(invoice("in_1", customer="cus_alpha", subscription_id="sub_alpha", amount=9900))
    from tests.billing.fake_stripe import event

    deliver(event("invoice.paid", paid))
    page = client_for(alpha).get("/settings/billing")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Premium plan" in html
    assert 'data-testid="renewal-date"' in html
    assert "Visa •••• 4242, expires 12/2030" in html
    assert "ATR-IN_1" in html
    assert "$99" in html
    assert 'href="https://invoice.stripe.test/i/in_1"' in html
    assert 'data-testid="open-portal"' in html
    assert "Monthly · your plan" in html


def test_billing_page_shows_a_pending_cancellation(app, deliver, fake_stripe, alpha, client_for):
    fake_stripe.put_subscription(
        subscription("sub_alpha", customer="cus_alpha", price=PRICES["premium"]["month"], cancel_at_period_end=True)
    )
    deliver(checkout_completed(customer="cus_alpha", subscription_id="sub_alpha", tenant_id=alpha.id))
    assert tenant_row(app, alpha.id)["plan_code"] == "premium"
    assert b'data-testid="cancel-notice"' in client_for(alpha).get("/settings/billing").data


def test_billing_page_empty_state(app, fake_stripe, alpha, client_for):
    html = client_for(alpha).get("/settings/billing").data.decode()
    assert "No invoices yet" in html
    assert 'data-testid="choose-premium-year"' in html
    assert 'data-testid="open-portal"' not in html


def test_without_stripe_keys_the_page_says_billing_is_not_configured(app, stripe_settings, alpha, client_for):
    stripe_settings.update(STRIPE_SECRET_KEY=None)
    owner = client_for(alpha)
    page = owner.get("/settings/billing")
    assert page.status_code == 200
    assert b"Billing is not configured on this installation." in page.data
    assert b"platform administrator" in page.data
    assert b"choose-premium" not in page.data
    refused = owner.post("/settings/billing/checkout", data={"plan": "premium", "interval": "month"})
    assert refused.status_code == 422
    assert b"Billing is not configured" in refused.data


@pytest.mark.parametrize("role", ["admin", "sales", "viewer"])
def test_only_the_owner_manages_billing(app, fake_stripe, alpha, client_for, role):
    client = client_for(alpha, role)
    assert client.get("/settings/billing").status_code == 403
    assert client.post("/settings/billing/checkout", data={"plan": "premium", "interval": "month"}).status_code == 403
    assert client.post("/settings/billing/portal").status_code == 403
    assert fake_stripe.calls == []


def test_billing_is_in_the_owners_settings_menu(app, fake_stripe, alpha, client_for):
    assert b'href="/settings/billing"' in client_for(alpha).get("/").data
    assert b'href="/settings/billing"' not in client_for(alpha, "admin").get("/").data


def test_billing_works_while_the_tenant_is_read_only(app, deliver, fake_stripe, make_tenant, client_for):
    tenant = make_tenant("alpha", plan="premium", status="suspended")
    _subscribe(deliver, fake_stripe, tenant)
    owner = client_for(tenant)
    assert tenant_row(app, tenant.id)["status"] == "suspended"  # suspended by an admin: billing does not lift it
    assert owner.get("/settings/billing").status_code == 200
    assert owner.post("/settings/billing/portal").status_code == 303
    assert owner.post("/settings/billing/checkout", data={"plan": "enterprise", "interval": "month"}).status_code == 303
    assert owner.get("/settings/billing/success?session_id=cs_1").status_code == 200
    assert owner.post("/settings", data={"name": "x"}).status_code == 403


def test_return_pages(app, fake_stripe, alpha, client_for):
    owner = client_for(alpha)
    assert b"Thank you" in owner.get("/settings/billing/success?session_id=cs_test_1").data
    assert b"Nothing was charged" in owner.get("/settings/billing/canceled").data


def test_each_tenant_sees_only_its_own_billing(app, deliver, fake_stripe, alpha, make_tenant, client_for):
    bravo = make_tenant("bravo", plan="normal")
    _subscribe(deliver, fake_stripe, alpha, customer="cus_alpha")
    _subscribe(deliver, fake_stripe, bravo, plan="enterprise", customer="cus_bravo")
    from tests.billing.fake_stripe import event

    for tenant, customer in ((alpha, "cus_alpha"), (bravo, "cus_bravo")):
        issued = fake_stripe.put_invoice(
            invoice(
                f"in_{tenant.slug}",
                customer=customer,
                subscription_id=f"sub_{tenant.slug}",
                number=f"NO-{tenant.slug.upper()}",
            )
        )
        deliver(event("invoice.paid", issued))
    html = client_for(alpha).get("/settings/billing").data.decode()
    assert "NO-ALPHA" in html
    assert "NO-BRAVO" not in html
    assert "Premium plan" in html
    portal = client_for(bravo).post("/settings/billing/portal")
    assert portal.status_code == 303
    assert fake_stripe.requests("POST", "/v1/billing_portal/sessions")[-1]["form"]["customer"] == "cus_bravo"


def test_the_plan_page_sends_owners_to_billing_once_stripe_is_configured(app, fake_stripe, alpha, client_for):
    owner = client_for(alpha)
    plan_page = owner.get("/settings/plan").data.decode()
    assert 'href="/settings/billing?plan=premium"' in plan_page
    billing = owner.get("/settings/billing?plan=premium").data.decode()
    assert 'id="plan-premium"' in billing
    assert "border-success" in billing
