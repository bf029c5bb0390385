"""The plan catalogue (platform table) and per-tenant usage meters."""

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, PlatformModel, TenantScoped, Timestamps
from app.core.types import JSONType

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


class Plan(PlatformModel, Timestamps, Base):
    __tablename__ = "plans"

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

    def __repr__(self) -> str:
        return f"<Plan {self.code}>"


class UsageMeter(TenantScoped, Base):
    """A counter per tenant, metric and period ("2026-11" or "2026-11-21"); history is kept."""

    __tablename__ = "usage_meters"
    __table_args__ = (UniqueConstraint("tenant_id", "metric", "period"),)

    metric: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(BigInteger, default=0)
