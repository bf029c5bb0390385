"""Web forms, their submissions (kept even when spam or over the plan's limit), daily view and
submission counts for the conversion chart, and first/last-touch attribution per record."""

import uuid
from datetime import date, datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.newest_first import newest_first_index
from app.core.statuses import StatusBadge
from app.core.types import JSONType, utcnow


class SubmissionStatus:
    ACCEPTED = "accepted"  # a lead or contact was created or updated
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # double opt-in email sent
    WAITLISTED = "waitlisted"  # over the plan's limit: kept, processed after an upgrade
    SPAM = "spam"
    FAILED = "failed"  # the record was refused (the reason is kept)
    LABELS = {
        ACCEPTED: "Accepted",
        AWAITING_CONFIRMATION: "Awaiting confirmation",
        WAITLISTED: "Waitlisted",
        SPAM: "Spam",
        FAILED: "Failed",
    }
    COLORS = {
        ACCEPTED: "success",
        AWAITING_CONFIRMATION: "info",
        WAITLISTED: "warning",
        SPAM: "secondary",
        FAILED: "danger",
    }


class WebForm(TenantScoped, Timestamps, Base):
    __tablename__ = "web_forms"
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(default=True)
    creates: Mapped[str] = mapped_column(String(16), default="lead")  # lead or contact
    # [{"key", "label", "maps_to", "type", "required", "hidden", "default", "choices"}]
    fields: Mapped[list] = mapped_column(JSONType, default=list)
    # [{"key", "wording", "required"}]: the wording is stored with each submission too.
    consents: Mapped[list] = mapped_column(JSONType, default=list)
    submit_label: Mapped[str] = mapped_column(String(60), default="Send")
    thank_you_message: Mapped[str] = mapped_column(String(1000), default="Thank you! We will be in touch.")
    redirect_url: Mapped[str] = mapped_column(String(2000), default="")
    # Sites allowed to embed the form (scheme://host[:port]); empty: the tenant's own host only.
    allowed_origins: Mapped[list] = mapped_column(JSONType, default=list)
    double_opt_in: Mapped[bool] = mapped_column(default=False)
    # A contact form can also open a deal: {"pipeline_id", "stage_id", "value"}; empty: none.
    deal: Mapped[dict] = mapped_column(JSONType, default=dict, server_default=text("'{}'"))
    created_by_id: Mapped[uuid.UUID | None]


class FormSubmission(TenantScoped, StatusBadge, Base):
    __tablename__ = "form_submissions"
    __table_args__ = (
        tenant_foreign_key("form_id", "web_forms", ondelete="CASCADE"),
        Index("ix_form_submissions_tenant_form", "tenant_id", "form_id", "created_at", "id"),
        newest_first_index("form_submissions"),
        Index("ix_form_submissions_tenant_status", "tenant_id", "status", "created_at"),
    )

    form_id: Mapped[uuid.UUID]
    form = tenant_relationship("WebForm", "form_id")
    status: Mapped[str] = mapped_column(String(24), default=SubmissionStatus.ACCEPTED)
    statuses = SubmissionStatus
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    consents: Mapped[list] = mapped_column(JSONType, default=list)
    # utm_*, gclid, fbclid, referrer, landing_page
    attribution: Mapped[dict] = mapped_column(JSONType, default=dict)
    email: Mapped[str] = mapped_column(String(254), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    device: Mapped[str] = mapped_column(String(16), default="")
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID | None]
    error: Mapped[str | None] = mapped_column(Text)
    confirmation_token_hash: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class FormDailyStat(TenantScoped, Base):
    """Views and submissions of a form per day (UTC), counted with one upsert each."""

    __tablename__ = "form_daily_stats"
    __table_args__ = (
        tenant_foreign_key("form_id", "web_forms", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "form_id", "day"),
    )

    form_id: Mapped[uuid.UUID]
    day: Mapped[date]
    views: Mapped[int] = mapped_column(Integer, default=0)
    submissions: Mapped[int] = mapped_column(Integer, default=0)


class RecordAttribution(TenantScoped, Base):
    """Where a contact, lead or deal came from: the first and the latest tracked touch."""

    __tablename__ = "record_attributions"
    __table_args__ = (UniqueConstraint("tenant_id", "record_id"),)

    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID]
    first_touch: Mapped[dict] = mapped_column(JSONType, default=dict)
    last_touch: Mapped[dict] = mapped_column(JSONType, default=dict)
    first_touch_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_touch_at: Mapped[datetime] = mapped_column(default=utcnow)
    touches: Mapped[int] = mapped_column(Integer, default=1)

    # What a record's attribution says, apart from whose it is: carried to the contact a lead
    # becomes and to a contact's deals, and exported for the person.
    TOUCH_COLUMNS = ("first_touch", "first_touch_at", "last_touch", "last_touch_at", "touches")

    def touch_values(self) -> dict:
        return {name: getattr(self, name) for name in self.TOUCH_COLUMNS}
