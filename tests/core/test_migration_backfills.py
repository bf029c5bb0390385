"""Migrations that fill a column from existing rows run as the tables' owner, which the forced
tenant policy binds too: a backfill must see every workspace's rows. Run on a scratch database
migrated to the revision before, with rows in it, then upgraded."""

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.core.context import platform_scope
from app.core.extensions import db
from tests.conftest import TEST_BASE_DOMAIN, USE_POSTGRES, new_postgres_database

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


@pytest.fixture
def scratch_app(app, tmp_path):
    admin = make_url(app.config["TEST_ADMIN_DATABASE_URL"])
    name = f"{admin.database}_backfill"
    urls = new_postgres_database(admin, name)
    scratch = create_app(
        "testing",
        BASE_DOMAIN=TEST_BASE_DOMAIN,
        STORAGE_ROOT=str(tmp_path),
        SQLALCHEMY_DATABASE_URI=urls["app"],
        PLATFORM_DATABASE_URL=urls["platform"],
        MIGRATION_DATABASE_URL=urls["owner"],
    )
    yield scratch, create_engine(urls["admin"])
    with scratch.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    server = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.mark.skipif(not USE_POSTGRES, reason="the forced tenant policy is PostgreSQL's")
def test_tag_counts_and_link_types_are_filled_in_for_every_workspace(scratch_app):
    from flask_migrate import upgrade

    from app.plans.catalogue import seed_plans
    from app.tenants.models import Tenant

    scratch, admin = scratch_app
    with scratch.app_context():
        upgrade(directory=MIGRATIONS, revision="0019_filter_indexes")
        with platform_scope():
            seed_plans()
            tenants = [Tenant(slug=slug, name=slug.title(), plan_code="premium") for slug in ("north", "south")]
            db.session.add_all(tenants)
            db.session.commit()
            tenant_ids = [tenant.id for tenant in tenants]
    # Links written before the counts existed (as the superuser: no policy applies to it).
    with admin.begin() as conn:
        for links, tenant_id in zip((3, 1), tenant_ids, strict=True):
            tag_id = uuid.uuid4()
            conn.execute(
                text(
                    "INSERT INTO tags (tenant_id, id, name, color, created_at, updated_at) VALUES (:t, :id, 'VIP', '#000000', now(), now())"
                ),
                {"t": tenant_id, "id": tag_id},
            )
            for _ in range(links):
                record_id = uuid.uuid4()
                conn.execute(
                    text(
                        "INSERT INTO records (tenant_id, id, type, title, created_at, updated_at) VALUES (:t, :id, 'contact', 'Ada', now(), now())"
                    ),
                    {"t": tenant_id, "id": record_id},
                )
                conn.execute(
                    text("INSERT INTO record_tags (tenant_id, record_id, tag_id) VALUES (:t, :r, :tag)"),
                    {"t": tenant_id, "r": record_id, "tag": tag_id},
                )
    with scratch.app_context():
        upgrade(directory=MIGRATIONS)
    with admin.connect() as conn:
        counts = dict(conn.execute(text("SELECT tenant_id, record_count FROM tags")).all())
        link_types = conn.execute(text("SELECT DISTINCT record_type FROM record_tags")).scalars().all()
        forced = conn.execute(
            text("SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE relname IN ('tags', 'record_tags')")
        ).scalar()
    admin.dispose()
    assert counts == dict(zip(tenant_ids, (3, 1), strict=True))
    # 0021 typed every workspace's links from `records`.
    assert link_types == ["contact"]
    assert forced, "the tenant policy is forced again after the upgrade"
