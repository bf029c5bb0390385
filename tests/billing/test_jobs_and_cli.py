"""The nightly resync job and the `flask billing` commands."""

from app.core.extensions import db
from app.jobs.registry import get_platform_job
from app.plans.models import Plan
from tests.billing.fake_stripe import PRICES, checkout_completed, subscription
from tests.billing.helpers import tenant_row
from tests.conftest import on_platform


def _paying(deliver, fake_stripe, make_tenant):
    tenant = make_tenant("alpha", plan="normal", status="trialing")
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"]))
    deliver(checkout_completed(customer="cus_1", subscription_id="sub_1", tenant_id=tenant.id))
    return tenant


def test_nightly_resync_catches_a_lost_webhook(app, deliver, fake_stripe, make_tenant):
    from app.billing.jobs import resync_all

    tenant = _paying(deliver, fake_stripe, make_tenant)
    make_tenant("bravo")  # no Stripe customer: not touched
    fake_stripe.put_subscription(
        subscription("sub_1", customer="cus_1", price=PRICES["premium"]["month"], status="canceled")
    )
    with app.app_context():
        assert resync_all() == {"tenants": 1, "changed": 1, "failed": 0}
    assert tenant_row(app, tenant.id)["plan_code"] == "free"
    assert get_platform_job("billing.resync").func_ref == "app.billing.jobs:resync_all"


def test_nightly_resync_does_nothing_without_stripe_keys(app, stripe_settings):
    from app.billing.jobs import resync_all

    stripe_settings.update(STRIPE_SECRET_KEY=None)
    with app.app_context():
        assert resync_all()["tenants"] == 0


def test_cli_resync(app, deliver, fake_stripe, make_tenant):
    tenant = _paying(deliver, fake_stripe, make_tenant)
    fake_stripe.put_subscription(subscription("sub_1", customer="cus_1", price=PRICES["enterprise"]["year"]))
    result = app.test_cli_runner().invoke(args=["billing", "resync", "alpha"])
    assert result.exit_code == 0, result.output
    assert "plan_code: premium -> enterprise" in result.output
    assert tenant_row(app, tenant.id)["plan_code"] == "enterprise"
    missing = app.test_cli_runner().invoke(args=["billing", "resync", "nobody"])
    assert missing.exit_code != 0
    assert "no tenant 'nobody'" in missing.output


def test_cli_set_price(app):
    result = app.test_cli_runner().invoke(args=["billing", "set-price", "premium", "year", "price_live_premium_y"])
    assert result.exit_code == 0, result.output
    with on_platform(app):
        assert db.session.get(Plan, "premium").stripe_price_yearly == "price_live_premium_y"
    refused = app.test_cli_runner().invoke(args=["billing", "set-price", "premium", "year", "prod_123"])
    assert refused.exit_code != 0
