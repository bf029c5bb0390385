"""The Contact record with its emails and phones (child tables) and consent per channel."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, tenant_foreign_key, tenant_relationship
from app.crm.fields.models import HasCustomFields
from app.crm.tags.models import Taggable
from app.records.indexes import filter_in_order_index
from app.records.models import (
    HasAddress,
    OwnedRecord,
    RecordModel,
    owner_table_args,
    record_table_args,
    tenant_child_rows,
)


class LifecycleStage:
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"
    OTHER = "other"
    LABELS = {
        SUBSCRIBER: "Subscriber",
        LEAD: "Lead",
        MQL: "Marketing qualified",
        SQL: "Sales qualified",
        OPPORTUNITY: "Opportunity",
        CUSTOMER: "Customer",
        EVANGELIST: "Evangelist",
        OTHER: "Other",
    }
    ALL = tuple(LABELS)


class Consent:
    """Consent to be contacted on one channel; `unknown` until someone records it."""

    UNKNOWN = "unknown"
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    LABELS = {UNKNOWN: "Not recorded", GRANTED: "Granted", WITHDRAWN: "Withdrawn"}
    ALL = tuple(LABELS)
    CHANNELS = {"email": "Email", "sms": "SMS"}
    SOURCES = {
        "form": "Web form",
        "import": "Import",
        "verbal": "Verbal",
        "written": "Written",
        "email_reply": "Email reply",
        "api": "API",
        "other": "Other",
        # Set by messaging, not chosen in forms' sense but shown the same way.
        "unsubscribe_link": "Unsubscribe link",
        "sms_keyword": "SMS keyword",
        "provider_report": "Provider report",
    }


PREFERRED_CHANNELS = {"": "No preference", "email": "Email", "phone": "Phone", "sms": "SMS"}
PHONE_LABELS = {"mobile": "Mobile", "work": "Work", "home": "Home", "other": "Other"}


class Contact(RecordModel, OwnedRecord, HasAddress, Taggable, HasCustomFields, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        *record_table_args("contacts"),
        *owner_table_args("contacts"),
        tenant_foreign_key("company_id", "companies"),
        Index("ix_contacts_tenant_name", "tenant_id", "full_name", "id"),
        Index("ix_contacts_tenant_company", "tenant_id", "company_id", "id"),
        Index("ix_contacts_tenant_stage", "tenant_id", "lifecycle_stage", "id"),
        filter_in_order_index("contacts", "lifecycle_stage", "full_name"),
    )
    __repr_label__ = ("full_name",)

    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    # "First Last", kept by the record type: the list sorts on it with a keyset index.
    full_name: Mapped[str] = mapped_column(String(201), default="")
    title: Mapped[str] = mapped_column(String(120), default="")
    company_id: Mapped[uuid.UUID | None]
    company_role: Mapped[str] = mapped_column(String(80), default="")
    is_primary_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    lifecycle_stage: Mapped[str] = mapped_column(String(16), default=LifecycleStage.LEAD)
    preferred_channel: Mapped[str] = mapped_column(String(8), default="")
    email_consent: Mapped[str] = mapped_column(String(16), default=Consent.UNKNOWN)
    email_consent_at: Mapped[datetime | None]
    email_consent_source: Mapped[str] = mapped_column(String(32), default="")
    sms_consent: Mapped[str] = mapped_column(String(16), default=Consent.UNKNOWN)
    sms_consent_at: Mapped[datetime | None]
    sms_consent_source: Mapped[str] = mapped_column(String(32), default="")

    company = tenant_relationship("Company", "company_id", back_populates="contacts")
    emails = tenant_child_rows("ContactEmail", "contact_id")
    phones = tenant_child_rows("ContactPhone", "contact_id")

    @property
    def display_name(self) -> str:
        return self.full_name or self.primary_email or "Unnamed contact"

    @property
    def primary_email(self) -> str | None:
        for email in self.emails:
            if email.is_primary:
                return email.email
        return self.emails[0].email if self.emails else None

    @property
    def primary_phone(self) -> str | None:
        return self.phones[0].number if self.phones else None

    def consent(self, channel: str) -> dict:
        return {
            "status": getattr(self, f"{channel}_consent"),
            "recorded_at": getattr(self, f"{channel}_consent_at"),
            "source": getattr(self, f"{channel}_consent_source"),
        }


class ContactEmail(TenantScoped, Base):
    """One address of a contact; an address belongs to one contact per tenant."""

    __tablename__ = "contact_emails"
    __table_args__ = (
        tenant_foreign_key("contact_id", "contacts", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "email"),
        Index("ix_contact_emails_tenant_contact", "tenant_id", "contact_id"),
    )

    contact_id: Mapped[uuid.UUID]
    email: Mapped[str] = mapped_column(String(254))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ContactPhone(TenantScoped, Base):
    """One phone number of a contact, stored in E.164 (+14155550123)."""

    __tablename__ = "contact_phones"
    __table_args__ = (
        tenant_foreign_key("contact_id", "contacts", ondelete="CASCADE"),
        Index("ix_contact_phones_tenant_contact", "tenant_id", "contact_id"),
        Index("ix_contact_phones_tenant_number", "tenant_id", "number"),
    )

    contact_id: Mapped[uuid.UUID]
    number: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(16), default="mobile")
    position: Mapped[int] = mapped_column(Integer, default=0)
