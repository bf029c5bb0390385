"""Time the contact list, deep page, searches, the 360 page and the API list on the big tenant.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench \
        .venv/bin/python -m bench.run [--runs 60]

Each case is requested through the real app (Flask test client, signed in, or with an API
key) as the app role, so RLS and the ORM scoping apply. Beside it, the SELECT statements
that request issued are replayed verbatim through psycopg in one transaction as the same
role: the database's share of the time. Prints p50 / p95 of both and their ratio.
"""

import argparse
import statistics
import time

import psycopg
from sqlalchemy import event, select

from bench.common import BENCH_DOMAIN, BIG_SLUG, make_app, psycopg_dsn, role_urls

DEEP_ROWS = 10_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class StatementRecorder:
    """Collects the SELECTs (text and parameters) one request sends to the database."""

    def __init__(self, engine):
        self.engine, self.statements, self.active = engine, [], False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if self.active and statement.lstrip().upper().startswith(("SELECT", "WITH")) and "set_config" not in statement:
            self.statements.append((statement, parameters))


def setup(app):
    """The big tenant's owner (for a signed-in client), an API key, a contact and a deep cursor."""
    from app.api.services import create_api_key
    from app.auth.models import Role, User
    from app.core.context import platform_scope, tenant_context
    from app.core.extensions import db
    from app.crm.contacts.models import Contact
    from app.crm.contacts.services import list_contacts
    from app.tenants.models import Tenant

    with app.app_context():
        with platform_scope():
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == BIG_SLUG))
            tenant_id = tenant.id
        with tenant_context(tenant_id):
            owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
            _, key = create_api_key(name="Benchmark", scopes=["contacts:read"], actor=owner)
            db.session.commit()
            owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
            session_user = f"{owner.id}:{owner.session_token}"
            cursor = None
            for _ in range(DEEP_ROWS // 200):
                cursor = list_contacts(limit=200, cursor=cursor).next_cursor
            sample = db.session.scalar(select(Contact).where(Contact.company_id.is_not(None)).limit(1))
            facts = {
                "tenant_id": str(tenant_id),
                "session_user": session_user,
                "key": key,
                "deep_cursor": cursor,
                "contact_id": str(sample.id),
                "name": sample.last_name.lower(),
                "email_fragment": sample.emails[0].email.split("@")[0][2:],
            }
            db.session.rollback()
    return facts


def signed_in_client(app, facts):
    client = app.test_client()
    base = f"http://{BIG_SLUG}.{BENCH_DOMAIN}"
    with client.session_transaction(base_url=base) as session:
        session["_user_id"] = facts["session_user"]
        session["_fresh"] = True
        session["tenant_id"] = facts["tenant_id"]
    return client, base


def measure(app, recorder, client, base, path, headers, runs):
    timings = []
    for index in range(runs + 5):
        recorder.statements, recorder.active = [], True
        started = time.perf_counter()
        response = client.get(path, base_url=base, headers=headers)
        elapsed = time.perf_counter() - started
        recorder.active = False
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
        if index >= 5:  # warm-up
            timings.append(elapsed * 1000)
    return timings, list(recorder.statements)


def replay(dsn, tenant_id, statements, runs):
    timings = []
    with psycopg.connect(dsn) as conn:
        for index in range(runs + 5):
            started = time.perf_counter()
            with conn.transaction():
                conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant_id,))
                for statement, parameters in statements:
                    conn.execute(statement, parameters).fetchall()
            if index >= 5:
                timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--only", default="", help="run only the cases whose label contains this text")
    args = parser.parse_args()
    app = make_app(API_BURST_LIMIT=10**9)
    facts = setup(app)
    with app.app_context():
        from app.core.extensions import db

        recorder = StatementRecorder(db.engine)
    client, base = signed_in_client(app, facts)
    api_headers = {"Authorization": f"Bearer {facts['key']}"}
    cases = [
        ("contacts list, page 1", "/contacts", {}),
        (f"contacts list, {DEEP_ROWS:,} rows deep", f"/contacts?cursor={facts['deep_cursor']}", {}),
        (f"search by name ({facts['name']})", f"/contacts?q={facts['name']}", {}),
        (f"search by email fragment ({facts['email_fragment']})", f"/contacts?q={facts['email_fragment']}", {}),
        ("contact 360 page", f"/contacts/{facts['contact_id']}", {}),
        ("API list /api/v1/contacts", "/api/v1/contacts", api_headers),
        (f"API list, {DEEP_ROWS:,} rows deep", f"/api/v1/contacts?cursor={facts['deep_cursor']}", api_headers),
    ]
    dsn = psycopg_dsn(role_urls()["app"])
    print(f"{args.runs} runs each (after 5 warm-up), milliseconds; raw = the request's SELECTs through psycopg")
    print(f"{'case':48} {'app p50':>8} {'app p95':>8} {'raw p50':>8} {'raw p95':>8} {'ratio':>6} {'queries':>7}")
    for label, path, headers in (case for case in cases if args.only in case[0]):
        app_times, statements = measure(app, recorder, client, base, path, headers, args.runs)
        raw_times = replay(dsn, facts["tenant_id"], statements, args.runs)
        app95, raw95 = percentile(app_times, 0.95), percentile(raw_times, 0.95)
        print(
            f"{label:48} {statistics.median(app_times):8.1f} {app95:8.1f} {statistics.median(raw_times):8.1f}"
            f" {raw95:8.1f} {app95 / raw95 if raw95 else 0:6.1f} {len(statements):7d}",
            flush=True,
        )


if __name__ == "__main__":
    main()
