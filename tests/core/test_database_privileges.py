"""What the app role (every web request) may do in PostgreSQL: tenant data under forced RLS,
platform data only where a tenant request needs it — and the same rule for later tables."""

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from app.core.extensions import db
from tests.conftest import USE_POSTGRES, on_platform

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL only")]

FULL_DML = {"SELECT", "INSERT", "UPDATE", "DELETE"}
# Platform tables a tenant request may touch, and how (app/tenants/grants.py says why).
# Any other platform table, including one added later, must be closed to the app role.
APP_ON_PLATFORM_TABLES = {
    "domains": {"SELECT"},
    "plans": {"SELECT"},
    "tenants": {"SELECT", "UPDATE"},  # own row only (policy); UPDATE on the settings columns only
    "apscheduler_jobs": FULL_DML,  # own `tenant:{id}:…` jobs only (policy)
    "platform_audit_events": {"INSERT"},
    "dev_mailbox_messages": {"INSERT"},
    "stripe_events": {"INSERT", "SELECT", "UPDATE"},  # the webhook's failure upsert: by column, by policy
}
ROW_POLICY_TABLES = {"tenants", "apscheduler_jobs", "stripe_events"}


@pytest.fixture
def admin_connection(app):
    engine = create_engine(app.config["TEST_ADMIN_DATABASE_URL"])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.fixture
def as_app_role(app):
    """as_app_role(sql, params, tenant=None) runs one statement in its own transaction as the
    app role and returns the result's rows (or rowcount for writes)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def run(sql: str, params: dict | None = None, *, tenant=None):
        with engine.connect() as connection, connection.begin():
            assert connection.scalar(text("SELECT current_user")) == "atrium_app"
            if tenant is not None:
                connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
            result = connection.execute(text(sql), params or {})
            return result.all() if result.returns_rows else result.rowcount

    yield run
    engine.dispose()


def _tables(connection) -> list[str]:
    return list(connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))


def _app_privileges(connection, table: str) -> set[str]:
    """Table privileges, and privileges on any column (UPDATE of a few columns counts)."""
    held = set()
    for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        check = "has_table_privilege" if privilege == "DELETE" else "has_any_column_privilege"
        if connection.scalar(text(f"SELECT {check}('atrium_app', :t, :p)"), {"t": f"public.{table}", "p": privilege}):
            held.add(privilege)
    return held


def _is_forced_tenant_table(connection, table: str) -> bool:
    row = connection.execute(
        text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = CAST(:t AS regclass)"),
        {"t": f"public.{table}"},
    ).one()
    policy = connection.scalar(
        text("SELECT qual FROM pg_policies WHERE tablename = :t AND policyname = 'tenant_isolation'"), {"t": table}
    )
    return row.relrowsecurity and row.relforcerowsecurity and policy is not None and "app.tenant_id" in policy


def test_every_table_is_tenant_data_under_forced_rls_or_platform_data_closed_to_the_app(app, admin_connection):
    offenders = []
    for table in _tables(admin_connection):
        privileges = _app_privileges(admin_connection, table)
        if _is_forced_tenant_table(admin_connection, table):
            if privileges != FULL_DML:
                offenders.append(f"{table}: tenant table, but the app role has {sorted(privileges)}")
            continue
        allowed = APP_ON_PLATFORM_TABLES.get(table, set())
        if privileges != allowed:
            offenders.append(
                f"{table}: platform table, the app role has {sorted(privileges)}, expected {sorted(allowed)}"
            )
        if table in ROW_POLICY_TABLES:
            enabled = admin_connection.scalar(
                text("SELECT relrowsecurity FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": f"public.{table}"}
            )
            if not enabled:
                offenders.append(f"{table}: the app role's row policy is not enabled")
    assert not offenders, "\n".join(offenders)


def _seed_every_table_that_names_a_tenant(app, tenant_a, tenant_b) -> None:
    from app.billing.models import BillingCustomer, BillingSubscription, StripeEvent
    from app.jobs.models import JobRun
    from app.messaging.models import DevMailboxMessage
    from app.superadmin.models import PlatformAuditEvent

    with on_platform(app):
        for tenant in (tenant_a, tenant_b):
            suffix = tenant.slug
            db.session.add(BillingCustomer(tenant_id=tenant.id, stripe_customer_id=f"cus_{suffix}", email="o@x.test"))
            db.session.add(
                BillingSubscription(
                    tenant_id=tenant.id,
                    stripe_subscription_id=f"sub_{suffix}",
                    stripe_customer_id=f"cus_{suffix}",
                    status="active",
                )
            )
            db.session.add(StripeEvent(event_id=f"evt_{suffix}", type="invoice.paid", tenant_id=tenant.id))
            db.session.add(PlatformAuditEvent(action="tenant.viewed", tenant_id=tenant.id))
            db.session.add(JobRun(job_id=f"tenant:{tenant.id}:tick:1", tenant_id=tenant.id))
            db.session.add(
                DevMailboxMessage(
                    tenant_id=tenant.id,
                    to_address="owner@example.com",
                    from_address="no-reply@atrium.test",
                    subject="Reset your password",
                    text_body=f"https://{tenant.host}/reset-password/secret-{suffix}",
                )
            )


def test_app_role_without_a_tenant_reads_no_row_that_names_a_tenant(
    app, tenant_a, tenant_b, admin_connection, as_app_role
):
    _seed_every_table_that_names_a_tenant(app, tenant_a, tenant_b)
    tables = list(
        admin_connection.scalars(
            text(
                "SELECT DISTINCT table_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name"
            )
        )
    )
    assert {"billing_customers", "stripe_events", "dev_mailbox_messages", "job_runs"} <= set(tables)
    leaks = []
    for table in tables:
        if table == "domains":
            continue  # the host directory: which host is which tenant's (public in DNS anyway)
        try:
            [(count,)] = as_app_role(f'SELECT count(*) FROM "{table}"')
        except ProgrammingError as exc:
            refused = "permission denied" in str(exc)
            if not refused:
                raise
            continue
        if count:
            leaks.append(f"{table}: {count} rows")
    assert not leaks, f"visible to the app role with no tenant set: {leaks}"


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("SELECT password_hash FROM platform_admins", "permission denied"),
        ("UPDATE platform_admins SET name = 'x'", "permission denied"),
        ("INSERT INTO platform_admins (id) VALUES (gen_random_uuid())", "permission denied"),
        ("UPDATE tenants SET plan_code = 'enterprise' WHERE id = :a", "permission denied"),
        ("UPDATE tenants SET status = 'active', trial_ends_at = NULL WHERE id = :a", "permission denied"),
        ("UPDATE tenants SET limit_overrides = '{}' WHERE id = :a", "permission denied"),
        ("INSERT INTO tenants (id, slug) VALUES (gen_random_uuid(), 'evil')", "permission denied"),
        ("DELETE FROM tenants WHERE id = :a", "permission denied"),
        ("UPDATE plans SET price_monthly_cents = 0", "permission denied"),
        ("DELETE FROM domains", "permission denied"),
        ("SELECT * FROM job_runs", "permission denied"),
        ("SELECT * FROM scheduler_heartbeats", "permission denied"),
        ("SELECT * FROM platform_audit_events", "permission denied"),
        ("SELECT * FROM dev_mailbox_messages", "permission denied"),
        ("SELECT type, tenant_id FROM stripe_events", "permission denied"),
        ("SELECT * FROM alembic_version", "permission denied"),
        (
            "INSERT INTO apscheduler_jobs (id, next_run_time, job_state) VALUES ('tenant:' || :b || ':x:1', 0, '')",
            "row-level security",
        ),
    ],
)
def test_app_role_is_refused_platform_work(app, tenant_a, tenant_b, as_app_role, sql, refusal):
    params = {key: str(value) for key, value in {"a": tenant_a.id, "b": tenant_b.id}.items() if f":{key}" in sql}
    with pytest.raises(ProgrammingError, match=refusal):
        as_app_role(sql, params, tenant=tenant_a.id)


def test_app_role_reaches_only_its_own_tenant_row_and_jobs(app, tenant_a, tenant_b, as_app_role):
    from app.jobs.tenant_jobs import schedule_tenant_job
    from tests.conftest import in_tenant

    for tenant in (tenant_a, tenant_b):
        with in_tenant(app, tenant.id):
            schedule_tenant_job(tenant.id, "tick", 1, "tests.jobs.sample_jobs:record_tick", "interval", minutes=5)
    a, b = str(tenant_a.id), str(tenant_b.id)
    assert as_app_role("SELECT id FROM tenants", tenant=a) == [(tenant_a.id,)]
    assert as_app_role("SELECT id FROM tenants") == []  # no tenant set: no row at all
    assert as_app_role("UPDATE tenants SET name = 'Mine' WHERE id = :b", {"b": b}, tenant=a) == 0
    assert as_app_role("UPDATE tenants SET name = 'Mine' WHERE id = :a", {"a": a}, tenant=a) == 1
    assert as_app_role("SELECT id FROM tenants WHERE id = :a FOR UPDATE", {"a": a}, tenant=a) == [(tenant_a.id,)]
    assert as_app_role("SELECT id FROM tenants WHERE id = :b FOR UPDATE", {"b": b}, tenant=a) == []
    assert [row.id for row in as_app_role("SELECT id FROM apscheduler_jobs", tenant=a)] == [f"tenant:{a}:tick:1"]
    assert as_app_role("DELETE FROM apscheduler_jobs WHERE id LIKE :p", {"p": f"tenant:{b}:%"}, tenant=a) == 0
    assert as_app_role("UPDATE apscheduler_jobs SET next_run_time = 0", tenant=a) == 1


def test_tables_added_by_a_later_migration_follow_the_same_rule(app, admin_connection):
    from flask_migrate import upgrade

    owner = create_engine(app.config["MIGRATION_DATABASE_URL"])
    with owner.begin() as connection:
        connection.execute(
            text("CREATE TABLE later_notes (tenant_id uuid, id uuid, body text, PRIMARY KEY (tenant_id, id))")
        )
        connection.execute(text("CREATE TABLE later_ledger (id uuid PRIMARY KEY, tenant_id uuid, amount int)"))
    try:
        # Closed from the moment they exist: the owner's default privileges give the app nothing.
        assert _app_privileges(admin_connection, "later_notes") == set()
        assert _app_privileges(admin_connection, "later_ledger") == set()
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        admin_connection.rollback()
        assert _app_privileges(admin_connection, "later_notes") == FULL_DML
        assert _is_forced_tenant_table(admin_connection, "later_notes")
        assert _app_privileges(admin_connection, "later_ledger") == set()
        for table in ("later_notes", "later_ledger"):
            assert admin_connection.scalar(
                text("SELECT has_table_privilege('atrium_platform', :t, 'UPDATE')"), {"t": f"public.{table}"}
            )
    finally:
        with owner.begin() as connection:
            connection.execute(text("DROP TABLE later_notes, later_ledger"))
        owner.dispose()


def test_running_the_role_setup_again_does_not_widen_the_app_role(app, admin_connection):
    from app.tenants.cli import create_postgres_roles

    create_postgres_roles(
        app.config["TEST_ADMIN_DATABASE_URL"],
        owner=("atrium_owner", None),
        app=("atrium_app", None),
        platform=("atrium_platform", None),
    )
    assert _app_privileges(admin_connection, "platform_admins") == set()
    assert _app_privileges(admin_connection, "tenants") == {"SELECT", "UPDATE"}
    assert _app_privileges(admin_connection, "contacts") == FULL_DML


def test_a_tenant_request_still_does_what_it_needs(app, tenant_a, client_for):
    """Settings (the tenant's own row), seats under enforce()'s row lock, and per-tenant jobs."""
    client = client_for(tenant_a)
    response = client.post(
        "/settings",
        data={"name": "Renamed Agency", "timezone": "Europe/Paris", "currency": "EUR", "brand_color": "#112233"},
    )
    assert response.status_code == 302
    assert client.post("/settings/users/invite", data={"email": "new@example.com", "role": "sales"}).status_code == 302
    from app.tenants.models import Tenant

    with on_platform(app):
        tenant = db.session.get(Tenant, tenant_a.id)
        assert (tenant.name, tenant.timezone, tenant.currency) == ("Renamed Agency", "Europe/Paris", "EUR")


def test_signup_creates_the_tenant_through_the_platform_role(app, apex_client):
    response = apex_client.post(
        "/signup",
        data={
            "agency_name": "Newco",
            "name": "Nora Newco",
            "slug": f"newco-{uuid.uuid4().hex[:6]}",
            "email": "boss@newco.test",
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 302


def test_the_app_role_may_refresh_planner_statistics_of_public_tables_only(as_app_role, admin_connection):
    """An import refreshes the planner's statistics of the tables it grows (ANALYZE needs the
    owner): the app role may, through the owner's function, and only for real tables."""
    before = admin_connection.scalar(text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'contacts'"))
    as_app_role("SELECT refresh_planner_statistics('contacts')")
    with pytest.raises(Exception, match="no table"):
        as_app_role("SELECT refresh_planner_statistics('pg_authid')")
    admin_connection.rollback()
    after = admin_connection.scalar(text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'contacts'"))
    # The statistics collector reports asynchronously; the call itself succeeding is the grant.
    assert after >= before
