"""Build the benchmark database: one tenant with 1,000,000 contacts (with companies, tags,
emails, phones, a custom field and activities), 200,000 leads and a pipeline of 12,000 deals
(bench/deals.py; `--no-deals` skips them) beside 20 small tenants, loaded with COPY through
psycopg.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/atrium_bench \
        .venv/bin/python -m bench.generate [--contacts 1000000]

The database is dropped and re-created. Tenants and users go through the app's services;
the bulk rows go straight in with COPY as the superuser (COPY FROM is refused under
row-level security), with secondary indexes dropped during the load and rebuilt after.
Rows are generated as they are copied, and child rows (emails, phones, tag and timeline
links) are spooled to temporary files until their parents are in, so the peak memory does
not grow with the number of rows (measure it with `/usr/bin/time -v`).
"""

import argparse
import random
import time
import uuid
from array import array
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import BIG_SLUG, SMALL_SLUGS, admin_url, make_app, psycopg_dsn
from bench.copying import Loader, Spool
from bench.deals import generate as generate_deals

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
    "leads",
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
    from app.crm.fields.services import create_field_definition
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
                    if role == Role.OWNER:
                        owner = user
                # The custom field the "custom field" filter cases filter on.
                create_field_definition(
                    {
                        "object_type": "contact",
                        "label": "Segment",
                        "key": "segment",
                        "field_type": "single_select",
                        "options": SEGMENTS,
                    },
                    actor=owner,
                )
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


# A few people with names nobody else has, for the "rare name" searches (every RARE_EVERY-th).
RARE_FIRST, RARE_LAST, RARE_EVERY = "Ottoline", "Quizzleton", 250_000
SEGMENTS = ["Enterprise", "Mid-market", "SMB", "Startup"]
LEAD_SOURCES = ["referral", "partner", "website", "event", "paid_ads", "social", "cold_outreach", "other"]
LEAD_STATUSES = ["new", "contacted", "qualified", "lost"]


def load_tenant(
    cur, tables, tenant_id, users, *, contacts: int, leads: int, companies: int, tags: int, activities: int, seed: int
) -> dict:
    """Every table's rows for one tenant (look-alike names across tenants), streamed into COPY."""
    from app.core.ids import uuid7
    from app.records.search import build_search_text

    rnd = random.Random(seed)
    now = datetime.now(UTC)
    start = now - timedelta(days=3 * 365)
    span = int((now - start).total_seconds())
    loaders = {name: Loader(cur, tables[name]) for name in LOADED_TABLES if name != "records"}
    counts = {}
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
    counts["companies"] = loaders["companies"].load(company_rows)
    tag_rows = [
        {"tenant_id": tenant_id, "id": uuid7(), "name": f"Tag {index:02d}", "created_at": now, "updated_at": now}
        for index in range(tags)
    ]
    counts["tags"] = loaders["tags"].load(tag_rows)
    emails, phones, links = (Spool(loaders[name]) for name in ("contact_emails", "contact_phones", "record_tags"))
    # 16 bytes per contact id and one company index: what the activities need, a few MB at 1M.
    contact_ids = bytearray()
    contact_companies = array("i")

    def tag(record_id, record_type):
        # The type is named here: `records` is filled after the links, so the database's
        # trigger could not look it up.
        if tag_rows and rnd.random() < 0.4:
            for chosen in rnd.sample(tag_rows, rnd.randint(1, 2)):
                links.add(
                    {"tenant_id": tenant_id, "record_id": record_id, "tag_id": chosen["id"], "record_type": record_type}
                )

    def contacts_gen():
        for index in range(contacts):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            if index % RARE_EVERY == 7:
                first, last = RARE_FIRST.lower(), RARE_LAST.lower()
            contact_id = uuid7()
            company = rnd.randrange(len(company_rows)) if company_rows and rnd.random() < 0.7 else -1
            company_row = company_rows[company] if company >= 0 else None
            email = f"{first}.{last}{index}@{rnd.choice(MAIL_DOMAINS)}"
            phone = f"+1415{rnd.randrange(10_000_000):07d}" if rnd.random() < 0.5 else None
            moment = start + timedelta(seconds=rnd.randrange(span))
            full_name = f"{first.title()} {last.title()}"
            emails.add(
                {"tenant_id": tenant_id, "id": uuid7(), "contact_id": contact_id, "email": email, "is_primary": True}
            )
            if phone:
                phones.add({"tenant_id": tenant_id, "id": uuid7(), "contact_id": contact_id, "number": phone})
            tag(contact_id, "contact")
            contact_ids.extend(contact_id.bytes)
            contact_companies.append(company)
            yield {
                "tenant_id": tenant_id,
                "id": contact_id,
                "first_name": first.title(),
                "last_name": last.title(),
                "full_name": full_name,
                "company_id": company_row["id"] if company_row else None,
                "owner_id": rnd.choice(users),
                "created_by_id": users[0],
                "lifecycle_stage": rnd.choice(STAGES),
                "custom_fields": {"segment": rnd.choice(SEGMENTS)} if rnd.random() < 0.6 else {},
                "search_text": build_search_text(full_name, email, phone, company_row["name"] if company_row else ""),
                "created_at": moment,
                "updated_at": moment,
            }

    def leads_gen():
        for index in range(leads):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            lead_id = uuid7()
            name = f"{first.title()} {last.title()}"
            email = f"{first}.{last}.lead{index}@{rnd.choice(MAIL_DOMAINS)}"
            company_name = f"{rnd.choice(LAST).title()} {rnd.choice(['Inc', 'LLC', 'GmbH', 'Ltd'])}"
            status = rnd.choice(LEAD_STATUSES)
            moment = start + timedelta(seconds=rnd.randrange(span))
            tag(lead_id, "lead")
            yield {
                "tenant_id": tenant_id,
                "id": lead_id,
                "name": name,
                "email": email,
                "company_name": company_name,
                "source": rnd.choice(LEAD_SOURCES),
                "status": status,
                "lost_reason": "Went with a competitor" if status == "lost" else "",
                "score": rnd.randrange(101),
                "owner_id": rnd.choice(users),
                "created_by_id": users[0],
                "search_text": build_search_text(name, email, company_name),
                "created_at": moment,
                "updated_at": moment,
            }

    activity_links = Spool(loaders["activity_links"])

    def activities_gen():
        for _ in range(activities):
            moment = start + timedelta(seconds=rnd.randrange(span))
            kind = rnd.choice(["call", "note", "email", "meeting"])
            position = rnd.randrange(len(contact_companies))
            contact_id = uuid.UUID(bytes=bytes(contact_ids[position * 16 : position * 16 + 16]))
            company = contact_companies[position]
            activity_id = uuid7()
            # On the contact's timeline and, as the app links them, on its company's.
            for record_id in (contact_id, company_rows[company]["id"] if company >= 0 else None):
                if record_id is not None:
                    activity_links.add(
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

    counts["contacts"] = loaders["contacts"].load(contacts_gen())
    counts["leads"] = loaders["leads"].load(leads_gen())
    counts["contact_emails"] = loaders["contact_emails"].load_spool(emails)
    counts["contact_phones"] = loaders["contact_phones"].load_spool(phones)
    counts["record_tags"] = loaders["record_tags"].load_spool(links)
    counts["activities"] = loaders["activities"].load(activities_gen()) if contact_companies else 0
    counts["activity_links"] = loaders["activity_links"].load_spool(activity_links)
    return counts


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
    "INSERT INTO records (tenant_id, id, type, title, created_at, updated_at) "
    "SELECT tenant_id, id, 'lead', name, created_at, updated_at FROM leads",
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
            started = time.perf_counter()
            counts = load_tenant(
                cur,
                tables,
                info["id"],
                info["users"],
                contacts=contacts if big else small_contacts,
                leads=contacts // 5 if big else small_contacts // 5,
                companies=contacts // 20 if big else small_contacts // 10,
                tags=40 if big else 10,
                activities=contacts // 2 if big else small_contacts,
                seed=hash(slug) & 0xFFFF if not big else 1,
            )
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
    parser.add_argument("--no-deals", action="store_true", help="skip the big tenant's pipeline of deals")
    args = parser.parse_args()
    started = time.perf_counter()
    recreate_database()
    tenants = prepare_schema_and_tenants()
    print(f"schema and {len(tenants)} tenants ready in {time.perf_counter() - started:.1f}s", flush=True)
    app = make_app()
    with app.app_context():
        load(tenants, contacts=args.contacts, small_contacts=args.small_contacts)
    if not args.no_deals:
        generate_deals()
    print(f"done in {time.perf_counter() - started:.1f}s", flush=True)


if __name__ == "__main__":
    main()
