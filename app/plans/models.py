"""The plan catalogue (platform table), per-tenant usage meters, usage snapshots and status history."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, PlatformModel, TenantScoped, Timestamps
from app.core.types import JSONType, utcnow

LIMIT_KEYS = (
    "users",
    "contacts",
    "deals",
    "pipelines",
    "automations",
    "forms",
    "custom_fields",
    "emails_per_month",
    "sms_per_month",
    "api_calls_per_day",
    "storage_mb",
)
FEATURE_KEYS = (
    "api",
    "automations",
    "sms",
    "custom_fields",
    "quote_pdf",
    "helpdesk",
    "custom_domain",
    "white_label",
    "ai_insights",
    "audit_export",
)
# A limit that belongs to a feature: a plan without the feature offers none of it, whatever
# number its limits hold (Free keeps "custom_fields": 5 from the catalogue but not the feature).
LIMIT_FEATURES = {
    "automations": "automations",
    "custom_fields": "custom_fields",
    "sms_per_month": "sms",
    "api_calls_per_day": "api",
}

FEATURE_LABELS = {
    "api": "REST API",
    "automations": "Workflow automation",
    "sms": "SMS messaging",
    "custom_fields": "Custom fields",
    "quote_pdf": "Quote PDFs",
    "helpdesk": "Help desk",
    "custom_domain": "Custom domain",
    "white_label": "White label",
    "ai_insights": "AI insights",
    "audit_export": "Audit log export",
}
LIMIT_LABELS = {
    "users": "users",
    "contacts": "contacts",
    "deals": "deals",
    "pipelines": "pipelines",
    "automations": "automations",
    "forms": "forms",
    "custom_fields": "custom fields",
    "emails_per_month": "emails / month",
    "sms_per_month": "SMS / month",
    "api_calls_per_day": "API calls / day",
    "storage_mb": "MB storage",
}
# For a limit of exactly one ("1 user", not "1 users").
LIMIT_LABELS_ONE = {
    "users": "user",
    "contacts": "contact",
    "deals": "deal",
    "pipelines": "pipeline",
    "automations": "automation",
    "forms": "form",
    "custom_fields": "custom field",
    "emails_per_month": "email / month",
    "api_calls_per_day": "API call / day",
}


# What a count holds beyond what its name says: a seat is taken by an invitation still waiting
# too, so "you have 3" on a Team page listing two people needs the reason beside it.
LIMIT_COUNT_NOTES = {"users": "invitations still waiting included"}


def you_have(key: str, used: int) -> str:
    """ "you have 3" — with what the count includes, where that is more than its name."""
    note = LIMIT_COUNT_NOTES.get(key)
    return f"you have {used:,}, {note}" if note else f"you have {used:,}"


def limit_label(key: str, count: int | None = None) -> str:
    """The words after a limit's number: "2 users", "1 user", "100 MB storage"."""
    if count == 1 and key in LIMIT_LABELS_ONE:
        return LIMIT_LABELS_ONE[key]
    return LIMIT_LABELS.get(key, key.replace("_", " "))


class Plan(PlatformModel, Timestamps, Base):
    __tablename__ = "plans"
    __repr_label__ = ("code",)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(255), default="")
    price_monthly_cents: Mapped[int] = mapped_column(Integer, default=0)
    price_yearly_cents: Mapped[int] = mapped_column(Integer, default=0)
    stripe_price_monthly: Mapped[str | None] = mapped_column(String(255))
    stripe_price_yearly: Mapped[str | None] = mapped_column(String(255))
    # limit key -> integer, or None for unlimited
    limits: Mapped[dict] = mapped_column(JSONType, default=dict)
    features: Mapped[list] = mapped_column(JSONType, default=list)
    is_public: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class UsageMeter(TenantScoped, Base):
    """A counter per tenant, metric and period ("2026-11" or "2026-11-21"); history is kept."""

    __tablename__ = "usage_meters"
    __table_args__ = (UniqueConstraint("tenant_id", "metric", "period"),)

    metric: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageSnapshot(TenantScoped, Base):
    """A resource's usage for one period, kept for the usage chart.

    Counted resources (users, contacts…) are snapshotted nightly into the month's row; metered
    ones get their closed period copied here at roll-over.
    """

    __tablename__ = "usage_snapshots"
    __table_args__ = (UniqueConstraint("tenant_id", "resource", "period"),)

    resource: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(10))
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    # The limit when the snapshot was taken (None = unlimited): lets the console find tenants
    # at their limit with one query.
    limit_value: Mapped[int | None] = mapped_column(BigInteger)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusChange(TenantScoped, Base):
    """The tenant's subscription history: status and plan changes, trial extensions, grace ends."""

    __tablename__ = "tenant_status_changes"
    __table_args__ = (Index("ix_tenant_status_changes_tenant_created", "tenant_id", "created_at"),)

    event: Mapped[str] = mapped_column(String(32))
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str | None] = mapped_column(String(16))
    plan_from: Mapped[str | None] = mapped_column(String(32))
    plan_to: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
