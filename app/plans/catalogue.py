"""The default plan catalogue, seeded into the `plans` table and editable in the console."""

from app.core.extensions import db
from app.plans.models import Plan

UNLIMITED = None

RESOURCE_LABELS = {
    "users": "Users",
    "contacts": "Contacts",
    "deals": "Deals",
    "pipelines": "Pipelines",
    "automations": "Automations",
    "forms": "Forms",
    "custom_fields": "Custom fields",
    "emails_per_month": "Emails per month",
    "sms_per_month": "SMS per month",
    "api_calls_per_day": "API calls per day",
    "storage_mb": "Storage (MB)",
}

# Each paid plan has every feature of the plan below it.
NORMAL_FEATURES = ["api", "automations", "sms", "custom_fields", "quote_pdf"]
PREMIUM_FEATURES = [*NORMAL_FEATURES, "helpdesk", "ai_insights", "audit_export"]
ENTERPRISE_FEATURES = [*PREMIUM_FEATURES, "custom_domain", "white_label"]

DEFAULT_PLANS = [
    {
        "code": "free",
        "name": "Free",
        "description": "For a freelancer trying Atrium out.",
        "price_monthly_cents": 0,
        "limits": {
            "users": 2,
            "contacts": 1_000,
            "deals": 500,
            "pipelines": 1,
            "automations": 0,
            "forms": 1,
            "custom_fields": 5,
            "emails_per_month": 500,
            "sms_per_month": 0,
            "api_calls_per_day": 0,
            "storage_mb": 100,
        },
        "features": [],
    },
    {
        "code": "normal",
        "name": "Normal",
        "description": "For a small agency with a growing book of clients.",
        "price_monthly_cents": 2_900,
        "limits": {
            "users": 10,
            "contacts": 25_000,
            "deals": 10_000,
            "pipelines": 3,
            "automations": 10,
            "forms": 10,
            "custom_fields": 30,
            "emails_per_month": 10_000,
            "sms_per_month": 500,
            "api_calls_per_day": 10_000,
            "storage_mb": 2_000,
        },
        "features": NORMAL_FEATURES,
    },
    {
        "code": "premium",
        "name": "Premium",
        "description": "For agencies running many clients, campaigns and automations.",
        "price_monthly_cents": 9_900,
        "limits": {
            "users": 50,
            "contacts": 250_000,
            "deals": 100_000,
            "pipelines": 15,
            "automations": 100,
            "forms": 50,
            "custom_fields": 200,
            "emails_per_month": 100_000,
            "sms_per_month": 5_000,
            "api_calls_per_day": 100_000,
            "storage_mb": 20_000,
        },
        "features": PREMIUM_FEATURES,
    },
    {
        "code": "enterprise",
        "name": "Enterprise",
        "description": "Unlimited seats, records and pipelines for the largest agencies.",
        "price_monthly_cents": 29_900,
        "limits": {
            "users": UNLIMITED,
            "contacts": UNLIMITED,
            "deals": UNLIMITED,
            "pipelines": UNLIMITED,
            "automations": UNLIMITED,
            "forms": UNLIMITED,
            "custom_fields": UNLIMITED,
            "emails_per_month": 1_000_000,
            "sms_per_month": 50_000,
            "api_calls_per_day": 1_000_000,
            "storage_mb": 200_000,
        },
        "features": ENTERPRISE_FEATURES,
    },
]


def seed_plans() -> int:
    """Insert the catalogue's plans that are missing; never overwrite edited ones."""
    created = 0
    for order, spec in enumerate(DEFAULT_PLANS):
        if db.session.get(Plan, spec["code"]) is not None:
            continue
        db.session.add(
            Plan(
                code=spec["code"],
                name=spec["name"],
                description=spec["description"],
                price_monthly_cents=spec["price_monthly_cents"],
                price_yearly_cents=spec["price_monthly_cents"] * 10,
                limits=dict(spec["limits"]),
                features=list(spec["features"]),
                sort_order=order,
            )
        )
        created += 1
    db.session.flush()
    return created
