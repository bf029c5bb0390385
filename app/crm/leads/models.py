"""The Lead record: a prospect with a status, a rule-based score and a conversion link."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, tenant_foreign_key, tenant_relationship
from app.crm.fields.models import HasCustomFields
from app.crm.tags.models import Taggable
from app.records.indexes import filter_in_order_index, filter_index, sort_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args
from app.records.normalize import current_tenant


class LeadStatus:
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    LOST = "lost"
    LABELS = {NEW: "New", CONTACTED: "Contacted", QUALIFIED: "Qualified", CONVERTED: "Converted", LOST: "Lost"}
    ALL = tuple(LABELS)
    # Converted is reached only through convert_lead(), never by editing the status.
    EDITABLE = (NEW, CONTACTED, QUALIFIED, LOST)
    OPEN = (NEW, CONTACTED, QUALIFIED)  # still being worked
    BADGES = {NEW: "info", CONTACTED: "primary", QUALIFIED: "success", CONVERTED: "dark", LOST: "secondary"}


class LeadSource:
    LABELS = {
        "referral": "Referral",
        "partner": "Partner",
        "website": "Website",
        "event": "Event",
        "paid_ads": "Paid ads",
        "social": "Social media",
        "cold_outreach": "Cold outreach",
        "other": "Other",
    }
    ALL = tuple(LABELS)


class Lead(RecordModel, OwnedRecord, Taggable, HasCustomFields, Base):
    __tablename__ = "leads"
    __table_args__ = (
        *record_table_args("leads"),
        *owner_table_args("leads"),
        tenant_foreign_key("converted_contact_id", "contacts"),
        tenant_foreign_key("converted_company_id", "companies"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        sort_index("leads", "name"),
        sort_index("leads", "score"),
        filter_index("leads", "status"),
        filter_in_order_index("leads", "status", "created_at"),
        Index("ix_leads_tenant_email", "tenant_id", "email"),
        Index("ix_leads_tenant_converted_contact", "tenant_id", "converted_contact_id"),
        filter_index("leads", "source"),
    )
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(24), default="other")
    status: Mapped[str] = mapped_column(String(16), default=LeadStatus.NEW)
    lost_reason: Mapped[str] = mapped_column(String(500), default="")
    estimated_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    score: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    # When the first outbound call, email, SMS or meeting happened ("speed to lead").
    first_response_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    converted_contact_id: Mapped[uuid.UUID | None]
    converted_company_id: Mapped[uuid.UUID | None]

    converted_contact = tenant_relationship("Contact", "converted_contact_id")
    converted_company = tenant_relationship("Company", "converted_company_id")

    @property
    def display_name(self) -> str:
        return self.name or self.email or "Unnamed lead"

    @property
    def currency(self) -> str:
        """What the estimated value is counted in: the workspace's currency, which the deal a
        conversion makes of the lead starts in too."""
        tenant = current_tenant()
        return tenant.currency if tenant is not None else ""

    @property
    def response_time(self):
        """Time from creation to the first outbound activity, or None while nobody has replied."""
        if self.first_response_at is None:
            return None
        return max(self.first_response_at - self.created_at, timedelta(0))
