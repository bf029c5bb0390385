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


def _two_workspaces_at(scratch, revision: str) -> list:
    """Migrate the scratch database to `revision` and make two workspaces in it ("north" and
    "south"); their ids, for rows written as the superuser before the upgrade under test."""
    from flask_migrate import upgrade

    from app.plans.catalogue import seed_plans
    from app.tenants.models import Tenant

    with scratch.app_context():
        upgrade(directory=MIGRATIONS, revision=revision)
        with platform_scope():
            seed_plans()
            tenants = [Tenant(slug=slug, name=slug.title(), plan_code="premium") for slug in ("north", "south")]
            db.session.add_all(tenants)
            db.session.commit()
            return [tenant.id for tenant in tenants]


@pytest.mark.skipif(not USE_POSTGRES, reason="the forced tenant policy is PostgreSQL's")
def test_tag_counts_and_link_types_are_filled_in_for_every_workspace(scratch_app):
    from flask_migrate import upgrade

    scratch, admin = scratch_app
    tenant_ids = _two_workspaces_at(scratch, "0019_filter_indexes")
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


@pytest.mark.skipif(not USE_POSTGRES, reason="the forced tenant policy is PostgreSQL's")
def test_a_daily_workflows_utc_hour_becomes_the_same_moment_on_the_workspaces_clock(scratch_app):
    """0024: the hour of a daily workflow was UTC and is now the workspace's: a workflow saved as
    "every day at 9" in Auckland ran at 9 UTC and keeps running then, read as Auckland's hour."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from flask_migrate import upgrade

    from app.core.context import tenant_context
    from app.crm.automations.models import Workflow
    from app.plans.catalogue import seed_plans
    from app.tenants.models import Tenant

    scratch, admin = scratch_app
    with scratch.app_context():
        upgrade(directory=MIGRATIONS, revision="0023_filter_in_order_indexes")
        with platform_scope():
            seed_plans()
            zones = {"kiwi": "Pacific/Auckland", "home": "UTC"}
            tenants = [
                Tenant(slug=slug, name=slug.title(), plan_code="premium", timezone=zone) for slug, zone in zones.items()
            ]
            db.session.add_all(tenants)
            db.session.commit()
            tenant_ids = [tenant.id for tenant in tenants]
        for tenant_id in tenant_ids:
            with tenant_context(tenant_id):
                for name, trigger in (
                    ("Daily", {"type": "schedule", "record_type": "lead", "hour": 9}),
                    ("On create", {"type": "event", "event": "lead.created"}),
                ):
                    db.session.add(Workflow(name=name, trigger=trigger, steps=[], conditions={}, secret="s"))
                db.session.commit()
        upgrade(directory=MIGRATIONS)
    with admin.connect() as conn:
        rows = conn.execute(text("SELECT tenant_id, name, trigger FROM workflows")).all()
        forced = conn.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'workflows'")).scalar()
    admin.dispose()
    auckland = round(datetime.now(UTC).astimezone(ZoneInfo("Pacific/Auckland")).utcoffset().total_seconds() / 3600)
    triggers = {(tenant_id, name): trigger for tenant_id, name, trigger in rows}
    assert triggers[(tenant_ids[0], "Daily")]["hour"] == (9 + auckland) % 24
    assert triggers[(tenant_ids[1], "Daily")]["hour"] == 9
    assert triggers[(tenant_ids[0], "On create")] == {"type": "event", "event": "lead.created"}
    assert forced, "the tenant policy is forced again after the upgrade"


@pytest.mark.skipif(not USE_POSTGRES, reason="the forced tenant policy is PostgreSQL's")
def test_documents_numbered_before_their_search_text_was_refreshed_are_found_by_number(scratch_app):
    """0025: an invoice issued while numbering left its search text as the draft's is found by
    its number after the upgrade, in every workspace."""
    from flask_migrate import upgrade

    scratch, admin = scratch_app
    tenant_ids = _two_workspaces_at(scratch, "0024_schedule_hours_local")
    with admin.begin() as conn:
        for tenant_id, number in zip(tenant_ids, ("INV-2026-0007", None), strict=True):
            invoice_id = uuid.uuid4()
            conn.execute(
                text(
                    "INSERT INTO records (tenant_id, id, type, title, created_at, updated_at) "
                    "VALUES (:t, :id, 'invoice', 'Design work', now(), now())"
                ),
                {"t": tenant_id, "id": invoice_id},
            )
            conn.execute(
                text(
                    "INSERT INTO invoices (tenant_id, id, title, number, status, currency, subtotal, "
                    "discount_total, tax_total, total, amount_paid, terms, search_text, created_at, updated_at) "
                    "VALUES (:t, :id, 'Design work', :number, 'issued', 'USD', 0, 0, 0, 0, 0, '', 'design work', now(), now())"
                ),
                {"t": tenant_id, "id": invoice_id, "number": number},
            )
    with scratch.app_context():
        upgrade(directory=MIGRATIONS)
    with admin.connect() as conn:
        texts = dict(conn.execute(text("SELECT tenant_id, search_text FROM invoices")).all())
        forced = conn.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'invoices'")).scalar()
    admin.dispose()
    assert texts == {tenant_ids[0]: "design work inv-2026-0007", tenant_ids[1]: "design work"}
    assert forced, "the tenant policy is forced again after the upgrade"
