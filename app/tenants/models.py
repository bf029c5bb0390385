"""Tenant and Domain: platform tables that say which agency a host belongs to."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.ids import uuid7
from app.core.models import Base, PlatformModel, Timestamps
from app.core.statuses import StatusBadge
from app.core.types import JSONType


class TenantStatus:
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    SUSPENDED = "suspended"
    CANCELED = "canceled"
    ALL = (TRIALING, ACTIVE, PAST_DUE, SUSPENDED, CANCELED)
    LABELS = {
        TRIALING: "Trialing",
        ACTIVE: "Active",
        PAST_DUE: "Past due",
        SUSPENDED: "Suspended",
        CANCELED: "Canceled",
    }
    COLORS = {TRIALING: "info", ACTIVE: "success", PAST_DUE: "warning", SUSPENDED: "danger", CANCELED: "secondary"}


class Tenant(StatusBadge, PlatformModel, Timestamps, Base):
    __tablename__ = "tenants"
    __repr_label__ = ("slug",)
    statuses = TenantStatus

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    brand_color: Mapped[str] = mapped_column(String(7), default="#4f46e5")
    logo_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_mime: Mapped[str | None] = mapped_column(String(32))
    logo_updated_at: Mapped[datetime | None]

    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"), default="free")
    status: Mapped[str] = mapped_column(String(16), default=TenantStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    trial_ends_at: Mapped[datetime | None]
    past_due_since: Mapped[datetime | None]
    limit_overrides: Mapped[dict] = mapped_column(JSONType, default=dict)
    feature_overrides: Mapped[dict] = mapped_column(JSONType, default=dict)

    plan = relationship("Plan", lazy="joined")
    domains = relationship("Domain", back_populates="tenant", cascade="all, delete-orphan")


class DomainKind:
    SUBDOMAIN = "subdomain"
    CUSTOM = "custom"


class Domain(PlatformModel, Timestamps, Base):
    """A host name that leads to a tenant: its subdomain label, or a custom domain."""

    __tablename__ = "domains"
    __table_args__ = (UniqueConstraint("kind", "host"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=DomainKind.SUBDOMAIN)
    # A subdomain stores only its label ("acme"), so the same rows work under any BASE_DOMAIN.
    host: Mapped[str] = mapped_column(String(253))
    is_primary: Mapped[bool] = mapped_column(default=True)
    verified_at: Mapped[datetime | None]

    tenant = relationship("Tenant", back_populates="domains")
