"""The benchmark's generator writes past the app (COPY into the migrated tables, keys and indexes
dropped and rebuilt), so a new non-null column or a trigger-kept counter can break it without any
other test noticing. Run it small on a scratch database and check what it loaded."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import BIG_SLUG
from tests.conftest import USE_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
CONTACTS, SMALL_CONTACTS = 400, 20


@pytest.fixture
def bench_database(app):
    admin = make_url(app.config["TEST_ADMIN_DATABASE_URL"])
    name = f"{admin.database}_bench"
    url = admin.set(database=name).render_as_string(hide_password=False)
    yield url
    server = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.mark.skipif(not USE_POSTGRES, reason="the generator loads PostgreSQL through COPY")
def test_the_generator_loads_a_consistent_database(bench_database):
    run = subprocess.run(
        [sys.executable, "-m", "bench.generate", "--contacts", str(CONTACTS), "--small-contacts", str(SMALL_CONTACTS)],
        cwd=ROOT,
        env=os.environ | {"BENCH_DATABASE_URL": bench_database},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]

    engine = create_engine(bench_database)
    with engine.connect() as conn:
        big = conn.execute(text("SELECT id FROM tenants WHERE slug = :slug"), {"slug": BIG_SLUG}).scalar_one()
        contacts = conn.execute(text("SELECT count(*) FROM contacts WHERE tenant_id = :t"), {"t": big}).scalar_one()
        assert contacts == CONTACTS
        # Every loaded record is in the shared index, under its own type.
        for table, kind in (("contacts", "contact"), ("companies", "company"), ("leads", "lead"), ("deals", "deal")):
            missing = conn.execute(
                text(
                    f"SELECT count(*) FROM {table} x WHERE NOT EXISTS "
                    "(SELECT 1 FROM records r WHERE r.tenant_id = x.tenant_id AND r.id = x.id AND r.type = :kind)"
                ),
                {"kind": kind},
            ).scalar_one()
            assert missing == 0, f"{missing} {table} missing from records"
        assert conn.execute(text("SELECT count(*) FROM deals WHERE tenant_id = :t"), {"t": big}).scalar_one() > 0
        # The trigger-kept tag counts agree with the links COPY wrote.
        wrong = conn.execute(
            text(
                "SELECT count(*) FROM tags t WHERE t.record_count <> "
                "(SELECT count(*) FROM record_tags l WHERE l.tenant_id = t.tenant_id AND l.tag_id = t.id)"
            )
        ).scalar_one()
        assert wrong == 0
        # The generator names each link's type (the trigger cannot: `records` is filled later).
        untyped = conn.execute(
            text(
                "SELECT count(*) FROM record_tags l JOIN records r ON r.tenant_id = l.tenant_id AND r.id = l.record_id "
                "WHERE l.record_type IS DISTINCT FROM r.type"
            )
        ).scalar_one()
        assert untyped == 0
        assert (
            conn.execute(text("SELECT sum(record_count) FROM tags WHERE tenant_id = :t"), {"t": big}).scalar_one() > 0
        )
        # The keys dropped for the load came back.
        keys = conn.execute(
            text("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'record_tags'::regclass")
        ).scalar_one()
        assert keys >= 2
    engine.dispose()
