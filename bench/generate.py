"""Build the benchmark database: one tenant with 1,000,000 contacts (with companies, tags,
emails, phones and activities) beside 20 small tenants, loaded with COPY through psycopg.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench \
        .venv/bin/python -m bench.generate [--contacts 1000000]

The database is dropped and re-created. Tenants and users go through the app's services;
the bulk rows go straight in with COPY as the superuser (COPY FROM is refused under
row-level security), with secondary indexes dropped during the load and rebuilt after.
"""

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import BIG_SLUG, SMALL_SLUGS, admin_url, make_app, psycopg_dsn

FIRST = [
    "olivia",
    "liam",
    "emma",
    "noah",
    "ava",
    "oliver",
    "sophia",
    "elijah",
    "isabella",
    "james",
    "mia",
    "william",
    "amelia",
    "benjamin",
    "harper",
    "lucas",
    "evelyn",
    "henry",
    "abigail",
    "alexander",
    "emily",
    "michael",
    "ella",
    "daniel",
    "elizabeth",
    "jacob",
    "camila",
    "logan",
    "luna",
    "jackson",
    "sofia",
    "sebastian",
    "avery",
    "jack",
    "mila",
    "aiden",
    "aria",
    "owen",
    "scarlett",
    "samuel",
    "penelope",
    "matthew",
    "layla",
    "joseph",
    "chloe",
    "levi",
    "victoria",
    "mateo",
    "madison",
    "david",
    "eleanor",
    "john",
    "grace",
    "wyatt",
    "nora",
    "carter",
    "riley",
    "julian",
    "zoey",
    "luke",
    "hannah",
    "grayson",
    "hazel",
    "isaac",
    "lily",
    "jayden",
    "ellie",
    "theodore",
    "violet",
    "gabriel",
    "lillian",
    "anthony",
    "zoe",
    "dylan",
    "stella",
    "leo",
    "aurora",
    "lincoln",
    "natalie",
    "jaxon",
    "emilia",
    "asher",
    "everly",
    "christopher",
    "leah",
    "josiah",
    "aubrey",
    "andrew",
    "willow",
    "thomas",
    "addison",
    "joshua",
    "lucy",
    "ezra",
    "audrey",
]
LAST = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "gomez",
    "phillips",
    "evans",
    "turner",
    "diaz",
    "parker",
    "cruz",
    "edwards",
    "collins",
    "reyes",
    "stewart",
    "morris",
    "morales",
    "murphy",
    "cook",
    "rogers",
    "gutierrez",
    "ortiz",
    "morgan",
    "cooper",
    "peterson",
    "bailey",
    "reed",
    "kelly",
    "howard",
    "ramos",
    "kim",
    "cox",
    "ward",
    "richardson",
    "watson",
    "brooks",
    "chavez",
    "wood",
    "james",
    "bennett",
    "gray",
    "mendoza",
    "ruiz",
    "hughes",
    "price",
    "alvarez",
    "castillo",
    "sanders",
    "patel",
    "myers",
    "long",
    "ross",
    "foster",
    "jimenez",
    "powell",
    "jenkins",
    "perry",
    "russell",
    "sullivan",
    "bell",
    "coleman",
    "butler",
    "henderson",
    "barnes",
    "gonzales",
    "fisher",
    "vasquez",
    "simmons",
    "romero",
    "jordan",
    "patterson",
    "alexander",
    "hamilton",
    "graham",
]
MAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "fastmail.com"]
INDUSTRIES = ["Software", "Retail", "Healthcare", "Finance", "Education", "Manufacturing", "Media", "Travel"]
STAGES = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist", "other"]
LOADED_TABLES = [
    "records",
    "companies",
    "contacts",
    "contact_emails",
    "contact_phones",
    "tags",
    "record_tags",
    "activities",
    "activity_links",
]


def recreate_database() -> None:
    url = make_url(admin_url())
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()


def prepare_schema_and_tenants() -> dict:
    """Roles, migrations, plans, the tenants and their users, through the app itself."""
    from flask_migrate import upgrade

    from app.auth.models import Role
    from app.auth.services import create_user
    from app.core.context import platform_scope, tenant_context
    from app.core.extensions import db
    from app.plans.catalogue import seed_plans
    from app.tenants.cli import create_postgres_roles
    from app.tenants.models import Domain, Tenant

    create_postgres_roles(
        admin_url(), owner=("atrium_owner", None), app=("atrium_app", None), platform=("atrium_platform", None)
    )
    app = make_app(ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024)
    tenants = {}
    with app.app_context():
        upgrade()
        with platform_scope():
            seed_plans()
            for slug in [BIG_SLUG, *SMALL_SLUGS]:
                plan = "enterprise" if slug == BIG_SLUG else "normal"
                tenant = Tenant(slug=slug, name=f"{slug.title()} Agency", plan_code=plan, status="active")
                db.session.add(tenant)
                db.session.add(Domain(tenant=tenant, kind="subdomain", host=slug))
                db.session.flush()
                tenants[slug] = {"id": tenant.id, "users": []}
            db.session.commit()
        for slug, info in tenants.items():
            with tenant_context(info["id"]):
                for role in (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SALES):
                    user = create_user(
                        email=f"{role}@{slug}.test", name=f"{role.title()} Person", password="atrium-bench", role=role
                    )
                    info["users"].append(user.id)
                db.session.commit()
    return tenants


def secondary_indexes(cur) -> list[tuple[str, str]]:
    """(name, definition) of the loaded tables' indexes that back no constraint."""
    cur.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        """,
        (LOADED_TABLES,),
    )
    return cur.fetchall()


REQUIRED = object()


class Loader:
    """Writes rows of one table through COPY, filling unnamed columns with the model defaults."""

    def __init__(self, cur, table):
        self.cur, self.table = cur, table
        self.columns = [column.name for column in table.columns]
        self.defaults = {column.name: self._default(column) for column in table.columns}

    @staticmethod
    def _default(column):
        default = column.default
        if default is not None and default.is_scalar:
            return default.arg
        if column.nullable:
            return None
        if column.name in ("custom_fields", "details", "options", "scopes"):
            return {}
        return REQUIRED

    def load(self, rows) -> int:
        count = 0
        names = ", ".join(f'"{name}"' for name in self.columns)
        with self.cur.copy(f'COPY "{self.table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for name in self.columns:
                    value = row.get(name, self.defaults[name])
                    if value is REQUIRED:
                        raise ValueError(f"{self.table.name}.{name} needs a value")
                    values.append(Jsonb(value) if isinstance(value, dict | list) else value)
                copy.write_row(values)
                count += 1
        return count


def rows_for_tenant(tenant_id, users, *, contacts: int, companies: int, tags: int, activities: int, seed: int):
    """Generators of every table's rows for one tenant (look-alike names across tenants)."""
    from app.core.ids import uuid7
    from app.records.search import build_search_text

    rnd = random.Random(seed)
    now = datetime.now(UTC)
    start = now - timedelta(days=3 * 365)
    span = int((now - start).total_seconds())
    company_rows = []
    for index in range(companies):
        name = f"{rnd.choice(LAST).title()} {rnd.choice(['Group', 'Labs', 'Partners', 'Media', 'Studio', 'Works'])} {index}"
        domain = f"{name.lower().replace(' ', '-')}.example"
        moment = start + timedelta(seconds=rnd.randrange(span))
        company_rows.append(
            {
                "tenant_id": tenant_id,
                "id": uuid7(),
                "name": name,
                "domain": domain,
                "industry": rnd.choice(INDUSTRIES),
                "owner_id": rnd.choice(users),
                "created_by_id": users[0],
                "search_text": build_search_text(name, domain),
                "created_at": moment,
                "updated_at": moment,
            }
        )
    tag_rows = [
        {"tenant_id": tenant_id, "id": uuid7(), "name": f"Tag {index:02d}", "created_at": now, "updated_at": now}
        for index in range(tags)
    ]
    email_rows, phone_rows, link_rows = [], [], []

    def contacts_gen():
        for index in range(contacts):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            contact_id = uuid7()
            company = rnd.choice(company_rows) if company_rows and rnd.random() < 0.7 else None
            email = f"{first}.{last}{index}@{rnd.choice(MAIL_DOMAINS)}"
            phone = f"+1415{rnd.randrange(10_000_000):07d}" if rnd.random() < 0.5 else None
            moment = start + timedelta(seconds=rnd.randrange(span))
            full_name = f"{first.title()} {last.title()}"
            email_rows.append(
                {
                    "tenant_id": tenant_id,
                    "id": uuid7(),
                    "contact_id": contact_id,
                    "email": email,
                    "is_primary": True,
                    "position": 0,
                }
            )
            if phone:
                phone_rows.append(
                    {
                        "tenant_id": tenant_id,
                        "id": uuid7(),
                        "contact_id": contact_id,
                        "number": phone,
                        "label": "mobile",
                        "position": 0,
                    }
                )
            if tag_rows and rnd.random() < 0.4:
                for tag in rnd.sample(tag_rows, rnd.randint(1, 2)):
                    link_rows.append({"tenant_id": tenant_id, "record_id": contact_id, "tag_id": tag["id"]})
            yield {
                "tenant_id": tenant_id,
                "id": contact_id,
                "first_name": first.title(),
                "last_name": last.title(),
                "full_name": full_name,
                "company_id": company["id"] if company else None,
                "owner_id": rnd.choice(users),
                "created_by_id": users[0],
                "lifecycle_stage": rnd.choice(STAGES),
                "search_text": build_search_text(full_name, email, phone, company["name"] if company else ""),
                "created_at": moment,
                "updated_at": moment,
            }

    contact_ids: list = []
    contact_companies: list = []

    def contacts_tracked():
        for row in contacts_gen():
            contact_ids.append(row["id"])
            contact_companies.append(row["company_id"])
            yield row

    activity_links: list = []

    def activities_gen():
        for _ in range(activities):
            moment = start + timedelta(seconds=rnd.randrange(span))
            kind = rnd.choice(["call", "note", "email", "meeting"])
            position = rnd.randrange(len(contact_ids))
            activity_id, contact_id, company_id = uuid7(), contact_ids[position], contact_companies[position]
            # On the contact's timeline and, as the app links them, on its company's.
            for record_id in (contact_id, company_id):
                if record_id is not None:
                    activity_links.append(
                        {
                            "tenant_id": tenant_id,
                            "activity_id": activity_id,
                            "record_id": record_id,
                            "occurred_at": moment,
                        }
                    )
            yield {
                "tenant_id": tenant_id,
                "id": activity_id,
                "type": kind,
                "subject": f"{kind.title()} about the proposal",
                "body": "Discussed next steps and pricing." if kind == "note" else "",
                "direction": "outbound" if kind != "note" else "",
                "occurred_at": moment,
                "user_id": rnd.choice(users),
                "record_id": contact_id,
                "created_at": moment,
                "updated_at": moment,
            }

    return [
        ("companies", lambda: company_rows),
        ("tags", lambda: tag_rows),
        ("contacts", contacts_tracked),
        ("contact_emails", lambda: email_rows),
        ("contact_phones", lambda: phone_rows),
        ("record_tags", lambda: link_rows),
        ("activities", activities_gen),
        ("activity_links", lambda: activity_links),
    ]


def record_foreign_keys(cur) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys that point at `records`."""
    cur.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND c.confrelid = 'records'::regclass
        """
    )
    return cur.fetchall()


# The shared index's rows come from the loaded records themselves, in SQL: no copy in memory.
INDEX_ROWS = (
    "INSERT INTO records (tenant_id, id, type, title, created_at, updated_at) "
    "SELECT tenant_id, id, 'company', name, created_at, updated_at FROM companies",
    "INSERT INTO records (tenant_id, id, type, title, created_at, updated_at) "
    "SELECT tenant_id, id, 'contact', full_name, created_at, updated_at FROM contacts",
)


def load(tenants: dict, *, contacts: int, small_contacts: int) -> None:
    from app.core.extensions import db

    tables = {table.name: table for table in db.metadata.sorted_tables}
    with psycopg.connect(psycopg_dsn(admin_url())) as conn, conn.cursor() as cur:
        dropped = secondary_indexes(cur)
        for name, _ in dropped:
            cur.execute(f'DROP INDEX "{name}"')
        # Rows point at `records` before it is filled: the keys are checked once, when re-added.
        keys = record_foreign_keys(cur)
        for table, name, _ in keys:
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for slug, info in tenants.items():
            big = slug == BIG_SLUG
            plan = rows_for_tenant(
                info["id"],
                info["users"],
                contacts=contacts if big else small_contacts,
                companies=contacts // 20 if big else small_contacts // 10,
                tags=40 if big else 10,
                activities=contacts // 2 if big else small_contacts,
                seed=hash(slug) & 0xFFFF if not big else 1,
            )
            started = time.perf_counter()
            counts = {table: Loader(cur, tables[table]).load(rows()) for table, rows in plan}
            if big:
                print(f"  {slug}: {counts} in {time.perf_counter() - started:.1f}s", flush=True)
        print(f"indexing records and rebuilding {len(dropped)} indexes…", flush=True)
        started = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for statement in INDEX_ROWS:
            cur.execute(statement)
        for _, definition in dropped:
            cur.execute(definition)
        for table, name, definition in keys:
            cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        print(f"  indexes in {time.perf_counter() - started:.1f}s", flush=True)
        conn.commit()
    with psycopg.connect(psycopg_dsn(admin_url()), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts of the big tenant")
    parser.add_argument("--small-contacts", type=int, default=500, help="contacts of each small tenant")
    args = parser.parse_args()
    started = time.perf_counter()
    recreate_database()
    tenants = prepare_schema_and_tenants()
    print(f"schema and {len(tenants)} tenants ready in {time.perf_counter() - started:.1f}s", flush=True)
    app = make_app()
    with app.app_context():
        load(tenants, contacts=args.contacts, small_contacts=args.small_contacts)
    print(f"done in {time.perf_counter() - started:.1f}s", flush=True)


if __name__ == "__main__":
    main()
