"""`flask seed-demo`: demo agencies with believable data in every capability."""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.services import create_user
from app.core.context import platform_scope, tenant_context
from app.core.extensions import db
from app.core.types import clock_set_to, utcnow
from app.plans.catalogue import seed_plans
from app.superadmin.admins import ensure_platform_admin
from app.tenants.models import Domain, DomainKind, Tenant, TenantStatus

DEMO_PASSWORD = "atrium-demo"
DEMO_AGENCIES = (
    ("acme", "Acme Agency", "premium", TenantStatus.ACTIVE),
    ("globex", "Globex Partners", "normal", TenantStatus.TRIALING),
)
# acme signed up over a year ago (its records go back a year).
ACTIVE_AGENCY_AGE = timedelta(days=400)
ROLE_NAMES = {
    Role.OWNER: "Olivia Owner",
    Role.ADMIN: "Adam Admin",
    Role.MANAGER: "Maya Manager",
    Role.SALES: "Sam Sales",
    Role.MARKETING: "Mia Marketing",
    Role.SUPPORT: "Sid Support",
    Role.VIEWER: "Vera Viewer",
}
# How long ago each demo user last signed in, so the team page and the console read like a
# workspace in use rather than "Never" for everyone; each later agency's people a little later.
LAST_SIGN_IN_AGO = {
    Role.OWNER: timedelta(hours=2, minutes=10),
    Role.ADMIN: timedelta(days=1, hours=3),
    Role.MANAGER: timedelta(minutes=35),
    Role.SALES: timedelta(minutes=8),
    Role.MARKETING: timedelta(days=2, hours=5),
    Role.SUPPORT: timedelta(hours=6, minutes=20),
    Role.VIEWER: timedelta(days=12, hours=4),
}


def seed_demo_data() -> list[str]:
    """Create the plans, the acme and globex agencies with one user per role, and the admin."""
    now = utcnow()

    with platform_scope():
        seed_plans()
        ensure_platform_admin("admin@atrium.test", DEMO_PASSWORD, "Platform Admin")
        tenants = []
        trial_days = current_app.config["TRIAL_DAYS"]
        for slug, name, plan, status in DEMO_AGENCIES:
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None:
                with clock_set_to(now - _signed_up_ago(status, trial_days)):
                    tenant = Tenant(slug=slug, name=name, plan_code=plan, status=status)
                    if status == TenantStatus.TRIALING:
                        tenant.trial_ends_at = utcnow() + timedelta(days=trial_days)
                    db.session.add(tenant)
                    db.session.add(Domain(tenant=tenant, kind=DomainKind.SUBDOMAIN, host=slug))
                    db.session.flush()
            tenants.append(tenant)
    logins = []
    tenant_ids = [tenant.id for tenant in tenants]
    for index, tenant in enumerate(tenants):
        with tenant_context(tenant.id):
            for role in Role.ALL:
                email = f"{role}@{tenant.slug}.test"
                if db.session.scalar(select(User.id).where(User.email == email)) is None:
                    # The team joined in the agency's first week.
                    with clock_set_to(tenant.created_at + timedelta(days=Role.ALL.index(role) % 7)):
                        user = create_user(email=email, name=ROLE_NAMES[role], password=DEMO_PASSWORD, role=role)
                    user.last_login_at = now - LAST_SIGN_IN_AGO[role] - index * timedelta(hours=3, minutes=17)
                logins.append(email)
            _seed_domain_demo_data(tenant)
    db.session.commit()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            for finisher in DEMO_FINISHERS:
                finisher()
    return logins


def _signed_up_ago(status: str, trial_days: int) -> timedelta:
    """A trialing demo agency's trial ends in four days, so the console's "Trials ending in 7
    days" has someone to show; the others have been customers for over a year."""
    if status == TenantStatus.TRIALING:
        return timedelta(days=max(trial_days - 4, 0))
    return ACTIVE_AGENCY_AGE


# Domains register a function(tenant) that adds their own demo records (idempotently), and
# may register a function() that finishes them once they are committed, in each tenant's
# context: the first run of a job the scheduler would otherwise have to start (it commits).
DEMO_SEEDERS: list = []
DEMO_FINISHERS: list = []


def _seed_domain_demo_data(tenant: Tenant) -> None:
    for seeder in DEMO_SEEDERS:
        seeder(tenant)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Seed the demo agencies (acme, globex) and the platform admin; safe to run twice."""
    seed_demo_data()
    base = current_app.config["BASE_DOMAIN"]
    click.echo("")
    click.echo("Demo logins (password: atrium-demo)")
    for slug, *_ in DEMO_AGENCIES:
        click.echo(
            f"  http://{slug}.{base}/login  owner@{slug}.test  (also admin@, manager@, sales@, marketing@, support@, viewer@)"
        )
    click.echo(f"  http://admin.{base}/login  admin@atrium.test  (super-admin console)")
    click.echo(f"  http://{base}/  landing page and signup;  http://{base}/dev/mailbox  dev mailbox")
    click.echo("")
