"""`flask billing …`: resync a tenant from Stripe; set a plan's Stripe price ids."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.billing.gateway import GatewayError
from app.billing.services import INTERVALS, PAID_PLANS, resync_tenant
from app.core.context import platform_scope
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.text import plural
from app.core.transactions import commit_and_deliver
from app.plans.models import Plan
from app.tenants.models import Tenant

billing_cli = AppGroup("billing", help="Stripe billing operations.")


@billing_cli.command("resync")
@click.argument("slug")
def resync(slug: str) -> None:
    """Fetch SLUG's subscriptions and invoices from Stripe and recompute its plan and status."""
    with platform_scope():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise click.ClickException(f"no tenant {slug!r}")
    try:
        summary = resync_tenant(tenant_id, actor_label="cli")
    except (GatewayError, ValidationFailed) as exc:
        db.session.rollback()
        raise click.ClickException(getattr(exc, "message", str(exc))) from exc
    commit_and_deliver()
    subscriptions, invoices = plural(len(summary.subscriptions), "subscription"), plural(summary.invoices, "invoice")
    click.echo(f"{slug}: {subscriptions}, {invoices} synced.")
    for change, (before, after) in summary.changes.items():
        click.echo(f"  {change}: {before} -> {after}")
    for skipped in summary.skipped:
        click.echo(f"  skipped {skipped}")


@billing_cli.command("set-price")
@click.argument("plan_code", type=click.Choice(PAID_PLANS))
@click.argument("interval", type=click.Choice(list(INTERVALS)))
@click.argument("price_id")
def set_price(plan_code: str, interval: str, price_id: str) -> None:
    """Record the Stripe price id (price_…) that sells PLAN_CODE per INTERVAL."""
    if not price_id.startswith("price_"):
        raise click.BadParameter("a Stripe price id starts with price_", param_hint="PRICE_ID")
    with platform_scope():
        plan = db.session.get(Plan, plan_code)
        if plan is None:
            raise click.ClickException(f"plan {plan_code!r} is not seeded; run `flask --app wsgi seed-demo` first")
        setattr(plan, "stripe_price_monthly" if interval == "month" else "stripe_price_yearly", price_id)
        db.session.commit()
    click.echo(f"{plan_code} ({interval}ly) is sold as {price_id}.")
