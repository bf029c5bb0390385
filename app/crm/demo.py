"""Demo CRM records for the acme and globex agencies (look-alike on purpose: isolation shows).

Registered in `app.tenants.cli.DEMO_SEEDERS` by the app's wiring; a tenant that already has contacts is skipped.
"""

import random
from datetime import timedelta

from app.auth.demo_team import get_demo_owner, get_sellers
from app.core.extensions import db
from app.core.types import clock_set_to, utcnow
from app.crm.activities.services import log_activity
from app.crm.calendar.demo import seed_meetings_demo
from app.crm.companies.services import create_company
from app.crm.contacts.models import Contact
from app.crm.contacts.services import create_contact
from app.crm.fields.services import create_field_definition
from app.crm.leads.services import create_lead
from app.crm.tags.services import create_tag
from app.crm.tasks.demo import seed_tasks_demo

TAGS = (
    ("VIP", "#d63384"),
    ("Partner", "#6610f2"),
    ("Newsletter", "#0dcaf0"),
    ("Hot", "#dc3545"),
    ("Renewal", "#198754"),
)
COMPANIES = (
    ("Northwind Traders", "northwind.example", "Retail", "201-1000", None),
    ("Northwind Logistics", "logistics.northwind.example", "Logistics", "51-200", "Northwind Traders"),
    ("Northwind Labs", "labs.northwind.example", "Research", "11-50", "Northwind Traders"),
    ("Contoso Health", "contoso.example", "Healthcare", "1001-5000", None),
    ("Fabrikam Studio", "fabrikam.example", "Design", "11-50", None),
    ("Tailspin Travel", "tailspin.example", "Travel", "51-200", None),
    ("Wide World Importers", "wideworld.example", "Wholesale", "201-1000", None),
    ("Litware Software", "litware.example", "Software", "51-200", None),
    ("Adventure Works", "adventure.example", "Outdoor", "201-1000", None),
    ("Proseware Media", "proseware.example", "Media", "1-10", None),
)
# A company's town and the country it is in, picked together.
COMPANY_TOWNS = (("Berlin", "DE"), ("Austin", "US"), ("Lyon", "FR"), ("Leeds", "GB"))
FIRST_NAMES = ("Ava", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jonas", "Kira", "Leo")
LAST_NAMES = ("Novak", "Okafor", "Petersen", "Quinn", "Rossi", "Silva", "Tanaka")
ROLES = ("Decision maker", "Champion", "Billing", "Technical contact", "")
TITLES = ("CEO", "Marketing Director", "Head of Sales", "Operations Manager", "CTO", "Brand Manager")
LEADS = (
    ("Mira Lindqvist", "mira@brightpath.example", "BrightPath Consulting", "referral", "qualified", "12000"),
    ("Omar Haddad", "omar.haddad@gmail.com", "", "website", "new", None),
    ("Sofia Marin", "sofia@northwind.example", "Northwind Traders", "event", "contacted", "8500"),
    ("Tom Becker", "tom@kestrel.example", "Kestrel Foods", "paid_ads", "new", "3000"),
    ("Yuki Sato", "yuki@lumen.example", "Lumen Energy", "partner", "qualified", "25000"),
    ("Lars Nilsen", "lars@fjord.example", "Fjord Outfitters", "cold_outreach", "lost", "4000"),
    ("Priya Nair", "priya@quanta.example", "Quanta Analytics", "website", "contacted", "15000"),
    ("Diego Alvarez", "diego@solstice.example", "Solstice Hotels", "social", "new", None),
    ("Hannah Weiss", "hannah@orbit.example", "Orbit Labs", "referral", "new", "9000"),
    ("Kofi Mensah", "kofi@savanna.example", "Savanna Coffee", "event", "contacted", "6000"),
    ("Elena Popescu", "elena@carpathia.example", "Carpathia Wines", "website", "qualified", "18000"),
    ("Noah Fischer", "noah@alpine.example", "Alpine Bikes", "paid_ads", "new", "2500"),
)
# How long contacted demo leads waited for their first call, in minutes.
RESPONSE_MINUTES = (14, 95, 38, 1080, 210, 26, 62)
CALL_NOTES = (
    "Walked through the spring campaign plan; they want a proposal by Friday.",
    "Asked about pricing for the retainer; sent the deck afterwards.",
    "Left a voicemail about the workshop dates.",
    "Kick-off call: agreed on weekly check-ins.",
)


def seed_crm_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=Contact)
    if owner is None:
        return
    rng = random.Random(tenant.slug)
    sellers = get_sellers()
    tags = [create_tag({"name": name, "color": color}, actor=owner) for name, color in TAGS]
    create_field_definition(
        {
            "object_type": "contact",
            "label": "Preferred language",
            "field_type": "single_select",
            "options": ["English", "German", "French", "Spanish"],
        },
        actor=owner,
    )
    create_field_definition(
        {
            "object_type": "company",
            "label": "Account tier",
            "field_type": "single_select",
            "options": ["Gold", "Silver", "Bronze"],
        },
        actor=owner,
    )
    create_field_definition({"object_type": "lead", "label": "Budget confirmed", "field_type": "checkbox"}, actor=owner)
    # The agency has worked for months: its companies came first, then their people, and the
    # leads of the last weeks (each written on a clock set to its day, so everything agrees).
    now = utcnow()
    companies = {}
    for index, (name, domain, industry, size, parent) in enumerate(COMPANIES):
        with clock_set_to(now - timedelta(days=365 - 5 * index)):
            companies[name] = create_company(
                {
                    "name": name,
                    "domain": domain,
                    "industry": industry,
                    "size": size,
                    "parent_id": companies[parent].id if parent else None,
                    "owner_id": rng.choice(sellers).id,
                    "tag_ids": [rng.choice(tags).id] if rng.random() < 0.5 else [],
                    "custom_fields": {"account_tier": rng.choice(["Gold", "Silver", "Bronze"])},
                    "address": dict(zip(("city", "country"), rng.choice(COMPANY_TOWNS), strict=True)),
                },
                actor=owner,
            )
    company_list = list(companies.values())
    contacts = []
    for index in range(36):
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        company = company_list[index % len(company_list)]
        with clock_set_to(now - timedelta(days=300 - 2 * index)):
            contact = create_contact(
                {
                    "first_name": first,
                    "last_name": last,
                    "title": rng.choice(TITLES),
                    "emails": [{"email": f"{first}.{last}{index}@{company.domain}".lower(), "primary": True}],
                    "phones": [{"number": f"+1415555{1000 + index:04d}", "label": rng.choice(["mobile", "work"])}],
                    "company_id": company.id,
                    "company_role": rng.choice(ROLES),
                    "is_primary_contact": index < len(company_list),
                    "owner_id": rng.choice(sellers).id,
                    "lifecycle_stage": rng.choice(["subscriber", "lead", "mql", "sql", "opportunity", "customer"]),
                    "tag_ids": [tag.id for tag in rng.sample(tags, rng.randint(0, 2))],
                    "custom_fields": {"preferred_language": rng.choice(["English", "German", "French", "Spanish"])},
                    "consent": {"email": {"status": "granted", "source": "form"}} if index % 3 else {},
                },
                actor=owner,
            )
        contacts.append(contact)
    for contact in contacts[:20]:
        log_activity(
            {
                "type": rng.choice(["call", "meeting", "email"]),
                "subject": "",
                "body": rng.choice(CALL_NOTES),
                "direction": "outbound",
                "occurred_at": now - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 8)),
                "record_id": contact.id,
            },
            actor=rng.choice(sellers),
        )
    for contact in contacts[:8]:
        log_activity(
            {"type": "note", "body": "Prefers email over calls before 10am.", "record_id": contact.id}, actor=owner
        )
    teammate = next((seller for seller in sellers if seller.id != owner.id), None)
    if teammate is not None and contacts:
        # A teammate asks the owner in a note, so the bell has something of the morning in it.
        handle = owner.name.split()[0].lower() if owner.name.strip() else owner.email.split("@")[0]
        with clock_set_to(now - timedelta(hours=3, minutes=20)):
            log_activity(
                {
                    "type": "note",
                    "body": f"@{handle} they want to talk budget before signing: could you join Thursday's call?",
                    "record_id": contacts[0].id,
                },
                actor=teammate,
            )
    for index, (name, email, company_name, source, status, value) in enumerate(LEADS):
        # A lead of the last weeks, called back when it has been contacted.
        arrived = now - timedelta(days=2 * index + 1, hours=index % 5)
        with clock_set_to(arrived):
            lead = create_lead(
                {
                    "name": name,
                    "email": email,
                    "company_name": company_name,
                    "source": source,
                    "status": status,
                    "lost_reason": "Chose a local agency" if status == "lost" else "",
                    "estimated_value": value,
                    "owner_id": rng.choice(sellers).id,
                    "custom_fields": {"budget_confirmed": status == "qualified"},
                },
                actor=owner,
            )
        if status in ("contacted", "qualified"):
            # Some answered within minutes, some the next morning: speed to lead varies.
            with clock_set_to(arrived + timedelta(minutes=RESPONSE_MINUTES[index % len(RESPONSE_MINUTES)])):
                log_activity(
                    {
                        "type": "call",
                        "direction": "outbound",
                        "outcome": "connected",
                        "duration_seconds": 60 * (8 + 7 * (index % 4)),
                        "record_id": lead.id,
                    },
                    actor=owner,
                )
    db.session.flush()
    seed_tasks_demo(tenant, owner=owner, sellers=sellers)
    seed_meetings_demo(tenant, owner=owner, sellers=sellers)
