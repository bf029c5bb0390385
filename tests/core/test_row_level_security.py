"""PostgreSQL row-level security as the second wall behind ORM scoping."""

import pytest
from sqlalchemy import text

from app.core.extensions import db
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL only")


def test_raw_sql_as_the_app_role_without_a_tenant_sees_no_rows(app, tenant_a, tenant_b):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM users")) == 0
        assert connection.scalar(text("SELECT count(*) FROM audit_events")) == 0


def test_raw_sql_with_a_tenant_set_sees_only_that_tenant(app, tenant_a, tenant_b):
    with app.app_context(), db.engine.connect() as connection, connection.begin():
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.id)})
        tenants = set(connection.scalars(text("SELECT DISTINCT tenant_id FROM users")))
    assert tenants == {tenant_a.id}


def test_app_role_cannot_insert_into_another_tenant(app, tenant_a, tenant_b):
    from sqlalchemy.exc import ProgrammingError

    with (
        app.app_context(),
        db.engine.connect() as connection,
        pytest.raises(ProgrammingError, match="row-level security"),
        connection.begin(),
    ):
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.id)})
        connection.execute(
            text(
                "INSERT INTO audit_events (tenant_id, id, actor_label, action, target_label, details, created_at) "
                "VALUES (:t, gen_random_uuid(), '', 'x', '', '{}', now())"
            ),
            {"t": str(tenant_b.id)},
        )


def test_pooled_connection_carries_no_tenant_after_a_request(app, tenant_a, client_for):
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    client = client_for(tenant_a)
    assert client.get("/settings/users").status_code == 200
    with app.app_context():
        engine = db.engine
        # Every connection the pool hands out afterwards starts with no tenant.
        for _ in range(engine.pool.size() if hasattr(engine.pool, "size") else 3):
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT coalesce(current_setting('app.tenant_id', true), '')")) == ""
                assert connection.scalar(text("SELECT count(*) FROM users")) == 0
