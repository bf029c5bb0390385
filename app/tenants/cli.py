"""Operator command: the PostgreSQL roles the app connects as (owner, app, platform)."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.tenants.grants import ensure_privileges

NUMERIC_COMPARISONS = (
    "numeric_eq",
    "numeric_ne",
    "numeric_lt",
    "numeric_le",
    "numeric_gt",
    "numeric_ge",
    "numeric_cmp",
)


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
        # Under row-level security only leakproof operators may reach an index before the
        # tenant policy; numeric comparisons are not marked so, which left every money sort's
        # deep page (deals by value, products by price) filtering row by row. They cannot
        # fail or reveal anything but their result, so mark them as such (superuser only).
        for function in NUMERIC_COMPARISONS:
            conn.execute(text(f"ALTER FUNCTION {function}(numeric, numeric) LEAKPROOF"))
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
