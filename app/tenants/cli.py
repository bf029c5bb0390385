"""Operator commands: demo data and PostgreSQL roles."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.auth.models import Role, User
from app.auth.services import create_user
from app.core.context import platform_scope, tenant_context
from app.core.types import utcnow
from app.extensions import db
from app.plans.catalogue import seed_plans
from app.tenants.grants import ensure_privileges
from app.tenants.models import Domain, DomainKind, Tenant, TenantStatus

DEMO_PASSWORD = "atrium-demo"
DEMO_AGENCIES = (
    ("acme", "Acme Agency", "premium", TenantStatus.ACTIVE),
    ("globex", "Globex Partners", "normal", TenantStatus.TRIALING),
)
ROLE_NAMES = {
    Role.OWNER: "Olivia Owner",
    Role.ADMIN: "Adam Admin",
    Role.MANAGER: "Maya Manager",
    Role.SALES: "Sam Sales",
    Role.MARKETING: "Mia Marketing",
    Role.SUPPORT: "Sid Support",
    Role.VIEWER: "Vera Viewer",
}


def seed_demo_data() -> list[str]:
    """Create the plans, the acme and globex agencies with one user per role, and the admin."""
    from datetime import timedelta

    from app.superadmin.cli import ensure_platform_admin

    with platform_scope():
        seed_plans()
        ensure_platform_admin("admin@atrium.test", DEMO_PASSWORD, "Platform Admin")
        tenants = []
        for slug, name, plan, status in DEMO_AGENCIES:
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None:
                tenant = Tenant(slug=slug, name=name, plan_code=plan, status=status)
                if status == TenantStatus.TRIALING:
                    tenant.trial_ends_at = utcnow() + timedelta(days=current_app.config["TRIAL_DAYS"])
                db.session.add(tenant)
                db.session.add(Domain(tenant=tenant, kind=DomainKind.SUBDOMAIN, host=slug))
                db.session.flush()
            tenants.append(tenant)
    logins = []
    for tenant in tenants:
        with tenant_context(tenant.id):
            for role in Role.ALL:
                email = f"{role}@{tenant.slug}.test"
                if db.session.scalar(select(User.id).where(User.email == email)) is None:
                    create_user(email=email, name=ROLE_NAMES[role], password=DEMO_PASSWORD, role=role)
                logins.append(email)
            _seed_domain_demo_data(tenant)
    db.session.commit()
    return logins


# Domains register a function(tenant) that adds their own demo records (idempotently).
DEMO_SEEDERS: list = []


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


@click.command("setup-postgres-roles")
@click.option("--admin-url", envvar="DATABASE_ADMIN_URL", help="A superuser URL for the target database.")
@click.option("--owner-role", default="atrium_owner", show_default=True)
@click.option("--app-role", default="atrium_app", show_default=True)
@click.option("--platform-role", default="atrium_platform", show_default=True)
@click.option("--owner-password", envvar="ATRIUM_OWNER_PASSWORD", default=None)
@click.option("--app-password", envvar="ATRIUM_APP_PASSWORD", default=None)
@click.option("--platform-password", envvar="ATRIUM_PLATFORM_PASSWORD", default=None)
@with_appcontext
def setup_postgres_roles(
    admin_url, owner_role, app_role, platform_role, owner_password, app_password, platform_password
):
    """Create the table owner, the app role (RLS applies) and the platform role (BYPASSRLS)."""
    admin_url = admin_url or current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not admin_url.startswith("postgresql"):
        raise click.UsageError("setup-postgres-roles needs a PostgreSQL --admin-url (or DATABASE_ADMIN_URL).")
    urls = create_postgres_roles(
        admin_url,
        owner=(owner_role, owner_password),
        app=(app_role, app_password),
        platform=(platform_role, platform_password),
    )
    click.echo("Roles ready. Use:")
    click.echo(f"  MIGRATION_DATABASE_URL={urls['owner']}")
    click.echo(f"  DATABASE_URL={urls['app']}")
    click.echo(f"  PLATFORM_DATABASE_URL={urls['platform']}")


def create_postgres_roles(admin_url: str, *, owner, app, platform) -> dict[str, str]:
    url = make_url(admin_url)
    database = url.database
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    specs = {
        "owner": (owner, "NOSUPERUSER NOBYPASSRLS NOCREATEROLE"),
        "app": (app, "NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB"),
        "platform": (platform, "NOSUPERUSER BYPASSRLS NOCREATEROLE NOCREATEDB"),
    }
    with engine.connect() as conn:
        for (name, password), attributes in specs.values():
            exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
            verb = "ALTER" if exists else "CREATE"
            conn.execute(text(f'{verb} ROLE "{name}" LOGIN {attributes}'))
            if password:
                conn.execute(text(f'ALTER ROLE "{name}" PASSWORD {_quote_literal(conn, password)}'))
        owner_name, app_name, platform_name = owner[0], app[0], platform[0]
        # Search indexes (trigram, and GIN indexes that lead with tenant_id) need these.
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gin"))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO "{owner_name}", "{app_name}", "{platform_name}"'))
        conn.execute(text(f'GRANT USAGE, CREATE ON SCHEMA public TO "{owner_name}"'))
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{app_name}", "{platform_name}"'))
        # The platform role works across every table; the app role gets only what
        # app.tenants.grants allows, table by table (migrations re-apply it after each upgrade).
        conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{platform_name}"'))
        conn.execute(
            text(
                f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner_name}" IN SCHEMA public '
                f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{platform_name}"'
            )
        )
        conn.execute(
            text(
                f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner_name}" IN SCHEMA public REVOKE ALL ON TABLES FROM "{app_name}"'
            )
        )
        for grantee in (app_name, platform_name):
            conn.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{grantee}"'))
            conn.execute(
                text(
                    f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner_name}" IN SCHEMA public '
                    f'GRANT USAGE, SELECT ON SEQUENCES TO "{grantee}"'
                )
            )
        # Re-running the setup on a migrated database must not widen what the app role may do.
        ensure_privileges(conn, app_role=app_name, platform_role=platform_name)
    engine.dispose()

    def for_role(name, password):
        return url.set(username=name, password=password).render_as_string(hide_password=False)

    return {"owner": for_role(*owner), "app": for_role(*app), "platform": for_role(*platform)}


def _quote_literal(conn, value: str) -> str:
    return conn.scalar(text("SELECT quote_literal(:v)"), {"v": value})
