"""Deals on the big tenant: one pipeline with 10,000 open deals (and 2,000 closed ones) beside
its 1,000,000 contacts; the board, the deals list and the forecast timed as the app role,
each beside the same SELECTs replayed through psycopg.

    export BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench
    .venv/bin/python -m bench.generate                 # the tenants, 1M contacts and the deals (once)
    .venv/bin/python -m bench.deals generate           # the deals again (re-runnable: replaces them)
    .venv/bin/python -m bench.deals run --runs 60      # p50 / p95, app beside raw SQL, queries

Goals: board p95 ≤ 150 ms with ≤ 10 queries of its own, list p95 ≤ 50 ms, forecast p95 ≤ 200 ms.
"""

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from sqlalchemy import select

from bench.common import BIG_SLUG, admin_url, make_app, psycopg_dsn, replay_connection, role_urls
from bench.copying import Loader
from bench.run import StatementRecorder, measure, percentile, replay, signed_in_client

OPEN_DEALS = 10_000
CLOSED_DEALS = 2_000
BOARD_P95_GOAL, BOARD_QUERIES_GOAL, LIST_P95_GOAL, FORECAST_P95_GOAL = 150.0, 10, 50.0, 200.0
WORDS = ("Website", "Campaign", "Rebrand", "Retainer", "Video", "Launch", "Audit", "Workshop", "Podcast", "App")


def _big_tenant(app):
    from app.core.context import platform_scope
    from app.core.extensions import db
    from app.tenants.models import Tenant

    with app.app_context(), platform_scope():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == BIG_SLUG))


def generate() -> None:
    """The standard pipeline through the services, then the deals by COPY (as the superuser)."""
    from flask_migrate import upgrade

    from app.auth.models import User
    from app.core.context import tenant_context
    from app.core.extensions import db
    from app.core.ids import uuid7
    from app.crm.companies.models import Company
    from app.crm.deals.services.pipelines import default_pipeline
    from app.records.search import build_search_text

    app = make_app()
    with app.app_context():
        upgrade()
    tenant_id = _big_tenant(app)
    with app.app_context(), tenant_context(tenant_id):
        pipeline = default_pipeline()
        stages = [(stage.id, stage.name, stage.probability, stage.kind) for stage in pipeline.stages]
        pipeline_id, pipeline_name = pipeline.id, pipeline.name
        users = list(db.session.scalars(select(User.id)))
        companies = list(db.session.execute(select(Company.id, Company.name).limit(20_000)))
        db.session.commit()
        tables = {table.name: table for table in db.metadata.sorted_tables}
    rnd = random.Random(11)
    now = datetime.now(UTC)
    open_stages = [stage for stage in stages if stage[3] == "open"]
    closed_stages = [stage for stage in stages if stage[3] != "open"]
    deals, entries, changes = [], [], []
    for index in range(OPEN_DEALS + CLOSED_DEALS):
        stage_id, stage_name, probability, kind = (
            rnd.choice(open_stages) if index < OPEN_DEALS else rnd.choice(closed_stages)
        )
        company_id, company_name = rnd.choice(companies)
        name = f"{rnd.choice(WORDS)} for {company_name}"
        created = now - timedelta(days=rnd.randint(1, 360))
        deal_id = uuid7()
        entries.append(
            {
                "tenant_id": tenant_id,
                "id": deal_id,
                "type": "deal",
                "title": name,
                "created_at": created,
                "updated_at": created,
            }
        )
        deals.append(
            {
                "tenant_id": tenant_id,
                "id": deal_id,
                "name": name,
                "pipeline_id": pipeline_id,
                "stage_id": stage_id,
                "value": Decimal(rnd.randrange(500, 150_000)),
                "currency": "USD",
                "probability": probability,
                "probability_is_custom": False,
                "expected_close_date": (now + timedelta(days=rnd.randint(-30, 400))).date(),
                "priority": rnd.choice(["low", "medium", "high"]),
                "company_id": company_id,
                "source": "other",
                "status": kind,
                "close_note": "",
                "closed_at": created + timedelta(days=rnd.randint(1, 60)) if kind != "open" else None,
                "stage_entered_at": created,
                "idle_since": now - timedelta(days=rnd.randint(0, 40)),
                "board_rank": float(index * 1024),
                "owner_id": rnd.choice(users),
                "created_by_id": users[0],
                "search_text": build_search_text(name, company_name),
                "custom_fields": {},
                "created_at": created,
                "updated_at": created,
            }
        )
        changes.append(
            {
                "tenant_id": tenant_id,
                "id": uuid7(),
                "deal_id": deal_id,
                "to_stage_id": stage_id,
                "to_stage_name": stage_name,
                "pipeline_name": pipeline_name,
                "from_stage_name": "",
                "user_label": "",
                "changed_at": created,
            }
        )
    started = time.perf_counter()
    with psycopg.connect(psycopg_dsn(admin_url())) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM records WHERE type = 'deal' AND tenant_id = %s", (tenant_id,))
        Loader(cur, tables["records"]).load(entries)
        Loader(cur, tables["deals"]).load(deals)
        Loader(cur, tables["deal_stage_changes"]).load(changes)
        conn.commit()
    with psycopg.connect(psycopg_dsn(admin_url()), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE deals")
        conn.execute("VACUUM ANALYZE records")
        conn.execute("VACUUM ANALYZE deal_stage_changes")
    print(f"{OPEN_DEALS:,} open and {CLOSED_DEALS:,} closed deals in {time.perf_counter() - started:.1f}s")


def run(runs: int) -> None:
    from app.auth.models import Role, User
    from app.core.context import tenant_context
    from app.core.extensions import db

    app = make_app()
    tenant_id = _big_tenant(app)
    with app.app_context(), tenant_context(tenant_id):
        owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
        facts = {"tenant_id": str(tenant_id), "session_user": f"{owner.id}:{owner.session_token}"}
        db.session.rollback()
    with app.app_context():
        recorder = StatementRecorder(dict(db.engines))
    client, base = signed_in_client(app, facts)
    # What every signed-in page runs before its own work (host, user, plan banners): the
    # board's "queries of its own" are its statements minus the shell's.
    cases = [
        ("shell (/account): every page's share", "/account", None, None),
        ("deals board (10,000 open deals)", "/deals/board", BOARD_P95_GOAL, BOARD_QUERIES_GOAL),
        ("deals list, page 1", "/deals", LIST_P95_GOAL, None),
        ("forecast", "/deals/forecast", FORECAST_P95_GOAL, None),
    ]
    urls = role_urls()
    connections = {label: replay_connection(urls[label], custom_plans=label == "app") for label in ("app", "platform")}
    print(f"{runs} runs each (after 5 warm-up), milliseconds; raw = every statement of the request through psycopg")
    print(f"{'case':36} {'app p50':>7} {'app p95':>7} {'raw p50':>7} {'raw p95':>7} {'stmts':>5} {'own':>4}  goals")
    shell_statements = 0
    for label, path, p95_goal, queries_goal in cases:
        app_times, steps = measure(recorder, client, base, path, {}, runs)
        raw_times, _ = replay(connections, steps, runs)
        statements = sum(1 for step in steps if step[1] not in ("commit", "rollback"))
        shell_statements = shell_statements or statements
        own = statements - shell_statements
        app95 = percentile(app_times, 0.95)
        goals = []
        if p95_goal:
            goals.append(f"p95≤{p95_goal:.0f} {'ok' if app95 <= p95_goal else 'MISS'}")
        if queries_goal:
            goals.append(f"own≤{queries_goal} {'ok' if own <= queries_goal else 'MISS'}")
        print(
            f"{label:36} {statistics.median(app_times):7.1f} {app95:7.1f} {statistics.median(raw_times):7.1f}"
            f" {percentile(raw_times, 0.95):7.1f} {statements:5d} {own:4d}  {'  '.join(goals)}",
            flush=True,
        )
    for conn in connections.values():
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["generate", "run"])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    generate() if args.command == "generate" else run(args.runs)


if __name__ == "__main__":
    main()
