"""Every CLI command group of the app (Flask-Migrate adds `db` itself)."""


def COMMANDS():  # noqa: N802 - reads as a constant at the call site
    from app.agency.cli import seed_demo
    from app.api.cli import api_keys
    from app.billing.cli import billing_cli
    from app.jobs.cli import jobs
    from app.superadmin.cli import create_platform_admin, tenants
    from app.tenants.cli import setup_postgres_roles

    return [seed_demo, setup_postgres_roles, create_platform_admin, tenants, jobs, billing_cli, api_keys]
