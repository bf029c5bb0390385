"""Workflow automation under load: 10,000 domain events through 20 active workflows, beside the
same events through the after-commit dispatcher with no workflow.

A producer commits lead updates (through the kit's services, 100 per transaction) while a
dispatcher thread does what the scheduler's `events.dispatch` job does, without its 5-second
interval. Reported: events handled per second, and the lag from the event's commit to the
workflow's first step (to the consumer's delivery, with no workflow), p50 and p95.

    export BENCH_AUTOMATION_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench_automation
    .venv/bin/python -m bench.automation --events 10000 --workflows 20

The database in that URL is dropped and re-created.

The tables start (nearly) empty and grow during the run. Where autovacuum is off (as on this
project's shared server), nothing would refresh their statistics, and a plan PostgreSQL cached
for a prepared statement while a table was empty (a scan of `activities`, say) would be kept
for the whole run. A thread therefore runs `ANALYZE` every `--analyze-every` seconds, as
autovacuum's auto-analyze would as the tables grow; `--analyze-every 0` turns it off.
"""

import argparse
import os
import statistics
import threading
import time

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

SOURCES = ("referral", "partner", "website", "event", "paid_ads", "social", "cold_outreach", "other")
BATCH = 100


def database_url() -> str:
    return os.environ.get(
        "BENCH_AUTOMATION_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/atrium_bench_automation"
    )


def fresh_app():
    """A new database with the three roles, migrated, with one enterprise tenant and its owner."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.services import create_user
    from app.core.context import platform_scope, tenant_context
    from app.core.extensions import db
    from app.plans.catalogue import seed_plans
    from app.tenants.cli import create_postgres_roles
    from app.tenants.models import Domain, Tenant

    url = make_url(database_url())
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    urls = create_postgres_roles(
        database_url(), owner=("atrium_owner", None), app=("atrium_app", None), platform=("atrium_platform", None)
    )
    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=urls["app"],
        PLATFORM_DATABASE_URL=urls["platform"],
        MIGRATION_DATABASE_URL=urls["owner"],
        BASE_DOMAIN="bench.test",
        DEBUG=False,
        OUTBOX_DELIVER_AFTER_COMMIT=False,
        ARGON2_TIME_COST=1,
        ARGON2_MEMORY_COST=1024,
    )
    with app.app_context():
        upgrade()
        with platform_scope():
            seed_plans()
            tenant = Tenant(slug="busy", name="Busy Agency", plan_code="enterprise", status="active")
            db.session.add(tenant)
            db.session.add(Domain(tenant=tenant, kind="subdomain", host="busy"))
            db.session.commit()
            tenant_id = tenant.id
        with tenant_context(tenant_id):
            create_user(email="owner@busy.test", name="Owner", password="atrium-bench", role="owner")
            db.session.commit()
    return app, tenant_id


def owner(db):
    from app.auth.models import User

    return db.session.scalar(select(User))


def setup(app, tenant_id, *, leads: int, workflows: int) -> list:
    """Leads spread over the sources, and `workflows` active ones: each listens to lead
    updates of one source (so every event enrolls workflows / len(SOURCES) runs) and adds a
    note to the lead's timeline."""
    from app.core.context import tenant_context
    from app.core.events import dispatch_tenant_events
    from app.core.extensions import db
    from app.crm.automations.services import create_workflow
    from app.crm.leads.services import create_lead

    with app.app_context(), tenant_context(tenant_id):
        actor = owner(db)
        for index in range(workflows):
            create_workflow(
                {
                    "name": f"Workflow {index}",
                    "trigger": {"type": "record_updated", "record_type": "lead"},
                    "conditions": {
                        "match": "all",
                        "rules": [{"field": "source", "op": "equals", "value": SOURCES[index % len(SOURCES)]}],
                    },
                    "steps": [{"type": "create_note", "params": {"body": f"Workflow {index} saw the change."}}],
                    "is_active": True,
                },
                actor=actor,
            )
        ids = []
        for index in range(leads):
            lead = create_lead({"name": f"Lead {index}", "source": SOURCES[index % len(SOURCES)]}, actor=actor)
            ids.append(lead.id)
            if index % BATCH == BATCH - 1:
                db.session.commit()
        db.session.commit()
    with app.app_context():
        while dispatch_tenant_events(tenant_id):  # what setup emitted is not measured
            pass
    return ids


def produce(app, tenant_id, lead_ids, events: int) -> float:
    from app.core.context import tenant_context
    from app.core.extensions import db
    from app.crm.leads.services import get_lead, update_lead

    started = time.perf_counter()
    with app.app_context(), tenant_context(tenant_id):
        actor = owner(db)
        for index in range(events):
            lead = get_lead(lead_ids[index % len(lead_ids)])
            update_lead(lead, {"title": f"Title {index}"}, actor=actor)
            if index % BATCH == BATCH - 1:
                db.session.commit()
        db.session.commit()
    return time.perf_counter() - started


def dispatcher(app, tenant_id, stop: threading.Event, done: list) -> None:
    from app.core.events import dispatch_tenant_events

    with app.app_context():
        while True:
            handled = dispatch_tenant_events(tenant_id)
            done.append(handled)
            if not handled:
                if stop.is_set():
                    return
                time.sleep(0.05)


def analyzer(stop: threading.Event, every: float) -> None:
    """What autovacuum's auto-analyze does as tables grow: fresh statistics, and with them fresh
    plans for the statements the app has prepared."""
    engine = create_engine(database_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        while not stop.wait(every):
            conn.execute(text("ANALYZE"))
    engine.dispose()


def lags(app, tenant_id, with_workflows: bool, since) -> list[float]:
    """Seconds from each measured event to its first step (or its automations delivery)."""
    from app.core.context import tenant_context
    from app.core.events import DomainEvent, EventDelivery
    from app.core.extensions import db
    from app.crm.automations.models import WorkflowRun, WorkflowStepLog

    with app.app_context(), tenant_context(tenant_id):
        if with_workflows:
            rows = db.session.execute(
                select(DomainEvent.occurred_at, WorkflowStepLog.started_at)
                .join(
                    WorkflowRun,
                    (WorkflowRun.tenant_id == DomainEvent.tenant_id) & (WorkflowRun.event_id == DomainEvent.id),
                )
                .join(
                    WorkflowStepLog,
                    (WorkflowStepLog.tenant_id == WorkflowRun.tenant_id) & (WorkflowStepLog.run_id == WorkflowRun.id),
                )
                .where(DomainEvent.occurred_at >= since, DomainEvent.name == "lead.updated")
            ).all()
        else:
            rows = db.session.execute(
                select(DomainEvent.occurred_at, EventDelivery.delivered_at)
                .join(
                    EventDelivery,
                    (EventDelivery.tenant_id == DomainEvent.tenant_id) & (EventDelivery.event_id == DomainEvent.id),
                )
                .where(
                    DomainEvent.occurred_at >= since,
                    EventDelivery.consumer == "automations",
                    DomainEvent.name == "lead.updated",
                )
            ).all()
        db.session.rollback()
    return [(done - occurred).total_seconds() for occurred, done in rows if done is not None]


def measure(events: int, workflows: int, leads: int, analyze_every: float = 10) -> dict:
    from app.core.types import utcnow

    app, tenant_id = fresh_app()
    lead_ids = setup(app, tenant_id, leads=leads, workflows=workflows)
    stop, done, analyzed = threading.Event(), [], threading.Event()
    since = utcnow()
    thread = threading.Thread(target=dispatcher, args=(app, tenant_id, stop, done))
    helper = threading.Thread(target=analyzer, args=(analyzed, analyze_every)) if analyze_every else None
    started = time.perf_counter()
    thread.start()
    if helper:
        helper.start()
    produce_seconds = produce(app, tenant_id, lead_ids, events)
    stop.set()
    thread.join()
    total = time.perf_counter() - started
    analyzed.set()
    if helper:
        helper.join()
    measured = sorted(lags(app, tenant_id, workflows > 0, since))
    return {
        "workflows": workflows,
        "events": events,
        "deliveries": sum(done),
        "produce_s": round(produce_seconds, 1),
        "total_s": round(total, 1),
        "events_per_s": round(events / total, 1),
        "runs": len(measured) if workflows else 0,
        "lag_p50_ms": round(statistics.median(measured) * 1000) if measured else None,
        "lag_p95_ms": round(measured[int(len(measured) * 0.95) - 1] * 1000) if measured else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workflows", type=int, default=20)
    parser.add_argument("--leads", type=int, default=1_000)
    parser.add_argument("--analyze-every", type=float, default=10, help="seconds between ANALYZEs; 0: none")
    args = parser.parse_args()
    results = [measure(args.events, workflows, args.leads, args.analyze_every) for workflows in (0, args.workflows)]
    print("| workflows | events | runs | events/s | lag p50 ms | lag p95 ms | producer s | total s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in results:
        print(
            f"| {row['workflows']} | {row['events']:,} | {row['runs']:,} | {row['events_per_s']} | "
            f"{row['lag_p50_ms']} | {row['lag_p95_ms']} | {row['produce_s']} | {row['total_s']} |"
        )


if __name__ == "__main__":
    main()
