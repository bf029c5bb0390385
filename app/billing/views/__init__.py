"""Billing pages on three hosts: the tenant's plan and billing settings, the apex webhook, the console."""

from app.billing import jobs  # noqa: F401  (registers the nightly resync with the scheduler)
from app.billing.views.console import bp as console
from app.billing.views.plan import bp as plan
from app.billing.views.tenant import bp as tenant
from app.billing.views.webhook import bp as webhook

BLUEPRINTS = [plan, tenant, webhook, console]
