"""Time what a user does on the big tenant: every list sort, every filter, pages 10k, 100k and
900k rows deep, searches (common and rare names, email fragments, 2-letter strings, companies,
leads, activities), a contact's page and the plan and tags settings pages — through the HTML
pages and the API of every kit record type with data.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench \\
        .venv/bin/python -m bench.run [--runs 30] [--only TEXT]

Each case is requested through the real app (Flask test client, signed in, or with an API
key) as the app role, so RLS and the ORM scoping apply. "Raw" replays every statement that
request sent, on every engine (the platform role's search statements included), verbatim and
with its transaction boundaries, through psycopg as the same roles — the API's meter write
and last-use update included: it is the database's share of the request. The sample record
and the search words are fixed. API calls run under the shipped burst limit: each API case
uses a key of its own, so its calls stay under the limit instead of the limit being lifted.
"""

import argparse
import statistics
import time
from dataclasses import dataclass
from urllib.parse import quote

import psycopg
from sqlalchemy import event, select

from app.core.process import tune_garbage_collection
from bench.common import BENCH_DOMAIN, BIG_SLUG, admin_url, make_app, psycopg_dsn, replay_connection, role_urls

DEPTHS = (10_000, 100_000, 900_000)
LIST_P95_GOAL, SEARCH_P95_GOAL, RAW_RATIO_GOAL = 50.0, 100.0, 1.5
HTML_STATEMENTS_GOAL, API_STATEMENTS_GOAL = 8, 5
# Fixed words: see RARE_FIRST / RARE_LAST and the e-mail pattern in bench/generate.py.
CONTACT_SEARCHES = [
    ("common first name", "zoey"),
    ("common last name", "smith"),
    ("rare first name", "ottoline"),
    ("rare last name", "quizzleton"),
    ("common e-mail fragment", "gmail"),
    ("rare e-mail fragment", "424242@"),
    ("2 letters, no match", "qz"),
    ("2 letters, common", "zo"),
]

# The top bar's search across every type (contacts, companies, leads, deals…), as typed.
GLOBAL_SEARCHES = [
    ("common last name", "smith"),
    ("rare name", "ottoline"),
    ("company word", "labs"),
    ("2 letters", "zo"),
    ("phone fragment", "+1415"),
]


@dataclass
class Case:
    label: str
    path: str
    kind: str  # "list", "search", "page" (HTML) or "api-list", "api-search" (API)

    @property
    def api(self) -> bool:
        return self.kind.startswith("api")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class StatementRecorder:
    """Every statement (text and parameters) one request sends, on every engine, with its
    transaction ends, in order."""

    def __init__(self, engines: dict):
        self.steps, self.active = [], False
        for name, engine in engines.items():
            label = name or "app"
            event.listen(engine, "before_cursor_execute", self._statement(label))
            event.listen(engine, "commit", self._end(label, "commit"))
            event.listen(engine, "rollback", self._end(label, "rollback"))

    def _statement(self, label):
        def record(conn, cursor, statement, parameters, context, executemany):
            if self.active:
                self.steps.append((label, statement, parameters))

        return record

    def _end(self, label, kind):
        def record(conn):
            if self.active:
                self.steps.append((label, kind, None))

        return record


def deep_cursor(cur, table: str, column: str, descending: bool, tenant_id, depth: int) -> str:
    """The cursor a user holds after paging `depth` rows into a list (found with OFFSET once)."""
    from app.core.pagination import encode_cursor

    direction = "DESC" if descending else "ASC"
    cur.execute(
        f'SELECT "{column}", id FROM "{table}" WHERE tenant_id = %s '
        f'ORDER BY "{column}" {direction}, id {direction} OFFSET %s LIMIT 1',
        (tenant_id, depth - 1),
    )
    value, row_id = cur.fetchone()
    return encode_cursor(value, row_id, "next")


def setup(app, *, cursors: bool = True) -> dict:
    """The big tenant's owner (for a signed-in client), the fixed sample records and filter
    values, and the deep cursors of every sort of every kit type with data."""
    from app.auth.models import Role, User
    from app.core.context import platform_scope, tenant_context
    from app.core.extensions import db
    from app.crm.contacts.models import Contact
    from app.crm.tags.models import Tag
    from app.records.listing import own_column
    from app.records.registry import record_types
    from app.tenants.models import Tenant

    with app.app_context():
        with platform_scope():
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == BIG_SLUG))
        db.session.rollback()
        with tenant_context(tenant_id):
            owner = db.session.scalar(select(User).where(User.role == Role.OWNER))
            sales = db.session.scalar(select(User).where(User.role == Role.SALES))
            # The first contact by name that works at a company: the same one every run.
            sample = db.session.scalar(
                select(Contact).where(Contact.company_id.is_not(None)).order_by(Contact.full_name, Contact.id).limit(1)
            )
            facts = {
                "tenant_id": str(tenant_id),
                "session_user": f"{owner.id}:{owner.session_token}",
                "owner_id": owner.id,
                "sales_id": str(sales.id),
                "contact_id": str(sample.id),
                "company_id": str(sample.company_id),
                "tag_id": str(db.session.scalar(select(Tag.id).where(Tag.name == "Tag 07"))),
                "types": {},
            }
            db.session.rollback()
        with psycopg.connect(psycopg_dsn(admin_url())) as conn, conn.cursor() as cur:
            for record_type in record_types() if cursors else []:
                table = record_type.model.__tablename__
                cur.execute(f'SELECT count(*) FROM "{table}" WHERE tenant_id = %s', (tenant_id,))
                rows = cur.fetchone()[0]
                depths = [depth for depth in DEPTHS if depth < rows]
                if not depths:
                    continue
                sorts = {}
                for key, sort in record_type.sorts().items():
                    column = own_column(record_type.model, sort.column).name
                    sorts[key] = {
                        depth: deep_cursor(cur, table, column, sort.descending, tenant_id, depth) for depth in depths
                    }
                facts["types"][record_type.name] = {
                    "plural": record_type.plural,
                    "default_sort": record_type.default_sort,
                    "sorts": sorts,
                }
    return facts


def cases(facts) -> list[Case]:
    found = []
    for info in facts["types"].values():
        plural, default = info["plural"], info["default_sort"]
        for key, cursors in info["sorts"].items():
            found.append(Case(f"{plural}: sorted by {key}", f"/{plural}?sort={key}", "list"))
            for depth, cursor in cursors.items():
                found.append(
                    Case(f"{plural}: by {key}, {depth:,} deep", f"/{plural}?sort={key}&cursor={cursor}", "list")
                )
        found.append(Case(f"API {plural}: page 1", f"/api/v1/{plural}", "api-list"))
        for depth, cursor in info["sorts"][default].items():
            found.append(Case(f"API {plural}: {depth:,} deep", f"/api/v1/{plural}?cursor={cursor}", "api-list"))
    filters = {
        "contacts": [
            ("tag", f"tag_id={facts['tag_id']}"),
            ("owner", f"owner_id={facts['sales_id']}"),
            ("stage", "lifecycle_stage=customer"),
            ("company", f"company_id={facts['company_id']}"),
            ("custom field", "cf.segment=Enterprise"),
            ("created in a month", "created_after=2025-03-01&created_before=2025-03-31"),
            ("tag + stage", f"tag_id={facts['tag_id']}&lifecycle_stage=customer"),
        ],
        "companies": [
            ("tag", f"tag_id={facts['tag_id']}"),
            ("owner", f"owner_id={facts['sales_id']}"),
            ("industry", "industry=Retail"),
        ],
        "leads": [
            ("status", "status=qualified"),
            ("source", "source=referral"),
            ("owner", f"owner_id={facts['sales_id']}"),
            ("tag", f"tag_id={facts['tag_id']}"),
            ("score 90+", "min_score=90"),
            ("awaiting a response", "awaiting_response=1"),
        ],
    }
    for plural, items in filters.items():
        if not any(info["plural"] == plural for info in facts["types"].values()):
            continue
        for label, query in items:
            found.append(Case(f"{plural}: filter by {label}", f"/{plural}?{query}", "list"))
        found.append(Case(f"API {plural}: filter by {items[0][0]}", f"/api/v1/{plural}?{items[0][1]}", "api-list"))
    for label, word in CONTACT_SEARCHES:
        found.append(Case(f"contacts: search {label} ({word})", f"/contacts?q={word}", "search"))
    found.append(Case("contacts: search zoey, page 2", "/contacts?q=zoey&sort=-created_at", "search"))
    found.append(Case("API contacts: search (smith)", "/api/v1/contacts?q=smith", "api-search"))
    found.append(Case("companies: search (smith)", "/companies?q=smith", "search"))
    found.append(Case("leads: search (zoey)", "/leads?q=zoey", "search"))
    found.append(Case("API activities: search (proposal)", "/api/v1/activities?q=proposal", "api-search"))
    found.append(Case("API activities: search, no match", "/api/v1/activities?q=nomatchxyz", "api-search"))
    for label, word in GLOBAL_SEARCHES:
        found.append(Case(f"global search: {label} ({word})", f"/search?q={quote(word)}", "search"))
    found.append(Case("contact page (360)", f"/contacts/{facts['contact_id']}", "page"))
    found.append(Case("settings: plan", "/settings/plan", "page"))
    found.append(Case("settings: tags", "/settings/tags", "page"))
    return found


def signed_in_client(app, facts):
    client = app.test_client()
    base = f"http://{BIG_SLUG}.{BENCH_DOMAIN}"
    with client.session_transaction(base_url=base) as session:
        session["_user_id"] = facts["session_user"]
        session["_fresh"] = True
        session["tenant_id"] = facts["tenant_id"]
    return client, base


def new_api_key(app, facts) -> str:
    """A key of its own for one API case: the shipped burst limit applies to it."""
    from app.api.scopes import all_scopes
    from app.api.services import create_api_key
    from app.auth.models import User
    from app.core.context import tenant_context
    from app.core.extensions import db

    with app.app_context(), tenant_context(facts["tenant_id"]):
        owner = db.session.get(User, (facts["tenant_id"], facts["owner_id"]))
        read_scopes = [scope for scope in all_scopes() if scope.endswith(":read")]
        _, key = create_api_key(name="Benchmark", scopes=read_scopes, actor=owner)
        db.session.commit()
    return key


def measure(recorder, client, base, path, headers, runs):
    timings = []
    for index in range(runs + 5):
        recorder.steps, recorder.active = [], True
        started = time.perf_counter()
        response = client.get(path, base_url=base, headers=headers)
        elapsed = time.perf_counter() - started
        recorder.active = False
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
        if index >= 5:  # warm-up
            timings.append(elapsed * 1000)
    return timings, list(recorder.steps)


def replay(connections, steps, runs):
    """The recorded statements through psycopg, each on its own role's connection, with the
    request's commits: what the request costs the database and the network, nothing else.
    Returns the request's timings and each step's (milliseconds per run)."""
    timings, per_step = [], [[] for _ in steps]
    for index in range(runs + 5):
        started = time.perf_counter()
        for position, (label, statement, parameters) in enumerate(steps):
            step_started = time.perf_counter()
            conn = connections[label]
            if statement == "commit":
                conn.commit()
            elif statement == "rollback":
                conn.rollback()
            else:
                cursor = conn.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            if index >= 5:
                per_step[position].append((time.perf_counter() - step_started) * 1000)
        for conn in connections.values():
            conn.commit()
        if index >= 5:
            timings.append((time.perf_counter() - started) * 1000)
    return timings, per_step


def print_steps(steps, per_step) -> None:
    """Each statement of a case with its raw p50, so a slow case names the statement to fix."""
    for (label, statement, _), times in zip(steps, per_step, strict=True):
        text = " ".join(statement.split())
        print(f"    {statistics.median(times):7.2f} ms  {label:8} {text[:160]}")


def verdict(case: Case, app95: float, raw95: float, statements: int) -> str:
    checks = []
    if case.kind in ("list", "api-list", "page"):
        checks.append(f"p95≤{LIST_P95_GOAL:.0f} {'ok' if app95 <= LIST_P95_GOAL else 'MISS'}")
        checks.append(f"≤{RAW_RATIO_GOAL}×raw {'ok' if app95 <= RAW_RATIO_GOAL * raw95 else 'MISS'}")
    else:
        checks.append(f"p95≤{SEARCH_P95_GOAL:.0f} {'ok' if app95 <= SEARCH_P95_GOAL else 'MISS'}")
    if case.kind == "list":
        checks.append(f"stmts≤{HTML_STATEMENTS_GOAL} {'ok' if statements <= HTML_STATEMENTS_GOAL else 'MISS'}")
    elif case.kind == "api-list":
        checks.append(f"stmts≤{API_STATEMENTS_GOAL} {'ok' if statements <= API_STATEMENTS_GOAL else 'MISS'}")
    return "  ".join(checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="", help="run only the cases whose label contains this text")
    parser.add_argument("--statements", action="store_true", help="under each case, its statements' raw p50")
    args = parser.parse_args()
    app = make_app()
    facts = setup(app)
    tune_garbage_collection()  # the requests run in this process, set up as a web worker's (wsgi.py)
    with app.app_context():
        from app.core.extensions import db

        recorder = StatementRecorder(dict(db.engines))
    client, base = signed_in_client(app, facts)
    urls = role_urls()
    connections = {
        "app": replay_connection(urls["app"], custom_plans=True),
        "platform": replay_connection(urls["platform"], custom_plans=False),
    }
    print(f"{args.runs} runs each after 5 warm-up, milliseconds; raw = every statement of the request through psycopg")
    print(f"{'case':52} {'app p50':>7} {'app p95':>7} {'raw p50':>7} {'raw p95':>7} {'ratio':>5} {'stmts':>5}  goals")
    for case in cases(facts):
        if args.only not in case.label:
            continue
        headers = {"Authorization": f"Bearer {new_api_key(app, facts)}"} if case.api else {}
        app_times, steps = measure(recorder, client, base, case.path, headers, args.runs)
        raw_times, per_step = replay(connections, steps, args.runs)
        app95, raw95 = percentile(app_times, 0.95), percentile(raw_times, 0.95)
        statements = sum(1 for _, statement, _ in steps if statement not in ("commit", "rollback"))
        print(
            f"{case.label[:52]:52} {statistics.median(app_times):7.1f} {app95:7.1f} {statistics.median(raw_times):7.1f}"
            f" {raw95:7.1f} {app95 / raw95 if raw95 else 0:5.1f} {statements:5d}  {verdict(case, app95, raw95, statements)}",
            flush=True,
        )
        if args.statements:
            print_steps(steps, per_step)
    for conn in connections.values():
        conn.close()


if __name__ == "__main__":
    main()
