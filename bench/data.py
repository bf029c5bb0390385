"""Data in and out on PostgreSQL, on the database `bench.generate` made:

1. import N contacts from a CSV through the real import job (validation, dedupe by email,
   events, row outcomes), beside PostgreSQL's COPY of the same file into a plain table, in
   the same run (rows/s of each; the goal is the import at ≥ 20 % of COPY's rate);
2. a small tenant's contacts list p95, alone and while the import runs in a process of its own,
   as the scheduler runs it beside the web workers (goal: grows ≤ 20 %);
3. an export of the big tenant's contacts as CSV, with the process's peak RSS before and
   after (constant memory: the peak must not grow with the rows);
4. global search p95 on the big tenant.

    .venv/bin/python -m bench.data --rows 100000
"""

import argparse
import csv
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.common import BENCH_DOMAIN, BIG_SLUG, SMALL_SLUGS, admin_url, make_app, psycopg_dsn, role_urls

IMPORT_SLUG = "importco"
IMPORT_SETTINGS = {"IMPORT_RUN_SECONDS": 3600, "IMPORT_BATCH_SIZE": 500, "IMPORT_MAX_MB": 1024}


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Last name", "Email", "Phone", "Stage"])
        for index in range(rows):
            writer.writerow(
                [
                    f"First{index}",
                    f"Last{index % 997}",
                    f"person{index}@import.example",
                    "",
                    ("lead", "customer")[index % 2],
                ]
            )
        # Every 1,000th row again: dedupe has work to do.
        for index in range(0, rows, 1000):
            writer.writerow([f"First{index}", "Again", f"person{index}@import.example", "", "lead"])


def copy_rate(path: Path) -> float:
    import psycopg

    with psycopg.connect(psycopg_dsn(admin_url())) as connection, connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("CREATE TABLE bench_copy (first_name text, last_name text, email text, phone text, stage text)")
        started = time.perf_counter()
        with (
            path.open("rb") as handle,
            cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        count = cursor.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    return count / elapsed


def importing_tenant(app):
    """A fresh enterprise tenant to import into (dropped and made again on each run)."""
    from app.auth.models import Role
    from app.auth.services import create_user
    from app.core.context import platform_scope, tenant_context
    from app.core.extensions import db
    from app.tenants.models import Domain, Tenant

    with app.app_context():
        with platform_scope():
            old = db.session.scalar(select(Tenant).where(Tenant.slug == IMPORT_SLUG))
            if old is not None:
                db.session.delete(old)
                db.session.commit()
            tenant = Tenant(slug=IMPORT_SLUG, name="Import Agency", plan_code="enterprise", status="active")
            db.session.add(tenant)
            db.session.add(Domain(tenant=tenant, kind="subdomain", host=IMPORT_SLUG))
            db.session.commit()
            tenant_id = tenant.id
        with tenant_context(tenant_id):
            owner = create_user(email="owner@importco.test", name="Owner", password="atrium-bench", role=Role.OWNER)
            db.session.commit()
            return tenant_id, owner.id


def run_import(app, tenant_id, owner_id, path: Path) -> dict:
    from werkzeug.datastructures import FileStorage

    from app.auth.models import User
    from app.core.context import tenant_context
    from app.core.extensions import db
    from app.crm.imports.models import DataImport
    from app.crm.imports.services import queue_import, save_mapping, start_import
    from app.jobs.runner import execute
    from app.jobs.tenant_jobs import tenant_job_id

    with app.app_context(), tenant_context(tenant_id):
        owner = db.session.get(User, (tenant_id, owner_id))
        with path.open("rb") as handle:
            data_import = start_import("contact", FileStorage(handle, filename=path.name), actor=owner)
        save_mapping(data_import, data_import.mapping, "skip", actor=owner)
        queue_import(data_import, actor=owner)
        import_id = data_import.id
        db.session.commit()
    started = time.perf_counter()
    while True:
        with app.app_context():
            execute(
                tenant_job_id(tenant_id, "import", import_id),
                "app.crm.imports.jobs:run_import",
                tenant_id=str(tenant_id),
                object_id=str(import_id),
            )
        with app.app_context(), tenant_context(tenant_id):
            data_import = db.session.get(DataImport, (tenant_id, import_id))
            if not data_import.is_active:
                elapsed = time.perf_counter() - started
                return {
                    "status": data_import.status,
                    "rows": data_import.rows_done,
                    "created": data_import.created_count,
                    "skipped": data_import.skipped_count,
                    "failed": data_import.failed_count,
                    "seconds": elapsed,
                    "rate": data_import.rows_done / elapsed,
                }


def _import_in_own_process(tenant_id, owner_id, path: Path, results) -> None:
    """The scheduler's part: the import job in a process of its own (not a thread of the one
    that serves the list, which would share its interpreter lock)."""
    from app.core.process import tune_garbage_collection

    app = make_app(**IMPORT_SETTINGS)
    tune_garbage_collection()  # as `flask jobs run` does
    results.put(run_import(app, tenant_id, owner_id, path))


def client_for(app, slug: str):
    from app.auth.models import Role, User
    from app.core.context import platform_scope, tenant_context
    from app.core.extensions import db
    from app.tenants.models import Tenant

    with app.app_context():
        with platform_scope():
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            db.session.commit()
        with tenant_context(tenant_id):
            owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
            session_user = f"{owner.id}:{owner.session_token}"
            db.session.rollback()
    client = app.test_client()
    base = f"http://{slug}.{BENCH_DOMAIN}"
    with client.session_transaction(base_url=base) as session:
        session["_user_id"] = session_user
        session["_fresh"] = True
        session["tenant_id"] = str(tenant_id)
    return client, base, tenant_id


def timed_gets(client, base, path, runs, headers=None) -> list[float]:
    timings = []
    for index in range(runs + 3):
        started = time.perf_counter()
        response = client.get(path, base_url=base, headers=headers or {})
        assert response.status_code == 200, (path, response.status_code)
        if index >= 3:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def export_memory(app, tenant_id) -> dict:
    from app.core.context import tenant_context
    from app.crm.contacts.record import CONTACTS
    from app.crm.exports.services import export_rows
    from app.crm.exports.writing import csv_stream

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, size, rows = time.perf_counter(), 0, 0
    with app.app_context(), tenant_context(tenant_id):
        for chunk in csv_stream(export_rows(CONTACTS, select(CONTACTS.model))):
            size += len(chunk)
            rows += chunk.count(b"\n")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rows": rows - 1,
        "mb": size / 2**20,
        "seconds": time.perf_counter() - started,
        "rss_before_mb": before / 1024,
        "rss_after_mb": after / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="contacts in the imported file")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    role_urls()
    app = make_app(**IMPORT_SETTINGS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        write_csv(path, args.rows)
        copy = copy_rate(path)
        small, small_base, _small_id = client_for(app, SMALL_SLUGS[0])
        alone = timed_gets(small, small_base, "/contacts", args.runs)
        tenant_id, owner_id = importing_tenant(app)
        spawn = multiprocessing.get_context("spawn")
        results = spawn.Queue()
        worker = spawn.Process(target=_import_in_own_process, args=(tenant_id, owner_id, path, results))
        worker.start()
        during = []
        while worker.is_alive() and results.empty() and len(during) < args.runs * 5:
            during.extend(timed_gets(small, small_base, "/contacts", 5))
        outcome = results.get()
        worker.join()
    print(f"COPY of the file: {copy:,.0f} rows/s")
    print(
        f"import: {outcome['rows']:,} rows in {outcome['seconds']:.1f} s = {outcome['rate']:,.0f} rows/s "
        f"({100 * outcome['rate'] / copy:.1f} % of COPY); created {outcome['created']:,}, skipped {outcome['skipped']:,}, "
        f"failed {outcome['failed']:,}"
    )
    print(
        f"small tenant's list p95: {percentile(alone, 0.95):.1f} ms alone, {percentile(during, 0.95):.1f} ms during the import "
        f"({len(during)} requests)"
    )
    big, big_base, big_id = client_for(app, BIG_SLUG)
    if not args.skip_export:
        memory = export_memory(app, big_id)
        print(
            f"export of {memory['rows']:,} contacts: {memory['mb']:.0f} MB CSV in {memory['seconds']:.0f} s, "
            f"peak RSS {memory['rss_before_mb']:.0f} MB before, {memory['rss_after_mb']:.0f} MB after"
        )
    timings = []
    for term in ("last1", "person12", "northwind", "+1415"):
        path, headers = f"/search?q={term}", {"HX-Request": "true"}
        own = timed_gets(big, big_base, path, max(5, args.runs // 2), headers)
        print(f"global search {term!r}: p50 {percentile(own, 0.5):.1f} ms, p95 {percentile(own, 0.95):.1f} ms")
        timings.extend(own)
    print(f"global search, every term: p50 {percentile(timings, 0.5):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
