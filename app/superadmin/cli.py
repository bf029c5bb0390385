"""Operator commands for platform administrators."""

import getpass

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.core.context import platform_scope
from app.core.errors import AppError, Conflict
from app.core.extensions import db
from app.plans import lifecycle
from app.superadmin.access import record_platform_audit
from app.superadmin.admins import ensure_platform_admin
from app.superadmin.tenants import plan_change_refusal
from app.tenants.models import Tenant


@click.command("create-platform-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="PLATFORM_ADMIN_PASSWORD")
@click.option("--name", default="")
@with_appcontext
def create_platform_admin(email: str, password: str, name: str) -> None:
    """Create a super-admin who can sign in at admin.<BASE_DOMAIN>."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password")
    with platform_scope():
        _, created = ensure_platform_admin(email, password, name)
        db.session.commit()
    click.echo(f"Platform admin {email} {'created' if created else 'already exists'}.")


@click.group("tenants")
def tenants() -> None:
    """Operate on agencies: list them, change plans and limits, suspend and reactivate."""


def _operator() -> str:
    return f"cli:{getpass.getuser()}"


def _tenant_by_slug(slug: str):
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug.strip().lower()))
    if tenant is None:
        raise click.BadParameter(f"no agency with slug {slug!r}", param_hint="SLUG")
    return tenant


def _apply(slug: str, action: str, change, details: dict) -> None:
    """Run one lifecycle change on the tenant with platform audit, and commit it."""

    with platform_scope():
        tenant = _tenant_by_slug(slug)
        try:
            change(tenant)
        except AppError as exc:
            db.session.rollback()
            messages = [
                m for values in exc.details.values() for m in (values if isinstance(values, list) else [values])
            ]
            raise click.ClickException(" ".join([exc.message, *messages])) from exc
        record_platform_audit(
            action, tenant_id=tenant.id, details={"slug": tenant.slug, **details}, actor_label=_operator()
        )
        db.session.commit()


def _change_status(slug: str, action: str, change, reason: str) -> None:
    """A status change (`lifecycle.suspend`, `lifecycle.reactivate`) with its reason in the history and the audit."""
    _apply(slug, action, lambda tenant: change(tenant, reason=reason, actor_label=_operator()), {"reason": reason})


@tenants.command("list")
@click.option("--plan", default=None, help="Only agencies on this plan.")
@click.option("--status", default=None, help="Only agencies with this status.")
@with_appcontext
def list_tenants(plan: str | None, status: str | None) -> None:
    """Print every agency with its plan, status and trial end."""

    with platform_scope():
        stmt = select(Tenant).order_by(Tenant.slug)
        if plan:
            stmt = stmt.where(Tenant.plan_code == plan)
        if status:
            stmt = stmt.where(Tenant.status == status)
        rows = db.session.scalars(stmt).all()
    click.echo(f"{'SLUG':24} {'PLAN':11} {'STATUS':10} {'TRIAL ENDS':11} OVERRIDES  NAME")
    for tenant in rows:
        trial = f"{tenant.trial_ends_at:%Y-%m-%d}" if tenant.trial_ends_at else "-"
        overrides = len(tenant.limit_overrides or {}) + len(tenant.feature_overrides or {})
        click.echo(
            f"{tenant.slug:24} {tenant.plan_code:11} {tenant.status:10} {trial:11} {overrides:<10} {tenant.name}"
        )
    click.echo(f"{len(rows)} agenc{'y' if len(rows) == 1 else 'ies'}")


@tenants.command("set-plan")
@click.argument("slug")
@click.argument("plan")
@with_appcontext
def set_plan(slug: str, plan: str) -> None:
    """Move an agency to PLAN (its data is kept whatever the limits)."""

    def change(tenant) -> None:
        refusal = plan_change_refusal(tenant)  # a Stripe subscription decides its plan
        if refusal:
            raise Conflict(refusal)
        lifecycle.change_plan(tenant, plan, actor_label=_operator(), reason="Changed from the CLI")

    _apply(slug, "tenant.plan_changed", change, {"plan": plan})
    click.echo(f"{slug} is on the {plan} plan.")


@tenants.command("set-limit")
@click.argument("slug")
@click.argument("resource")
@click.argument("value")
@with_appcontext
def set_limit(slug: str, resource: str, value: str) -> None:
    """Override one limit: a number, `unlimited`, or `default` to follow the plan again."""

    remove = value.strip().lower() == "default"
    _apply(
        slug,
        "tenant.limit_overridden",
        lambda tenant: lifecycle.set_limit_override(
            tenant, resource, None if remove else lifecycle.parse_limit(value), actor_label=_operator(), remove=remove
        ),
        {"resource": resource, "value": value},
    )
    click.echo(f"{slug}: {resource} limit set to {value}.")


@tenants.command("suspend")
@click.argument("slug")
@click.option("--reason", required=True, help="Why; shown in the status history.")
@with_appcontext
def suspend(slug: str, reason: str) -> None:
    """Make an agency read-only."""

    _change_status(slug, "tenant.suspended", lifecycle.suspend, reason)
    click.echo(f"{slug} is suspended.")


@tenants.command("reactivate")
@click.argument("slug")
@click.option("--reason", default="Reactivated from the CLI", show_default=True)
@with_appcontext
def reactivate(slug: str, reason: str) -> None:
    """Give a suspended, canceled or past-due agency full access again."""

    _change_status(slug, "tenant.reactivated", lifecycle.reactivate, reason)
    click.echo(f"{slug} is active again.")
