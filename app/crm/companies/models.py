"""The Company record and its place in a parent/child hierarchy."""

import uuid

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, tenant_collection, tenant_foreign_key, tenant_relationship
from app.crm.fields.models import HasCustomFields
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index, sort_index
from app.records.models import HasAddress, OwnedRecord, RecordModel, owner_table_args, record_table_args

COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+")
SIZE_LABELS = {size: f"{size} people" for size in COMPANY_SIZES}


class Company(RecordModel, OwnedRecord, HasAddress, Taggable, HasCustomFields, Base):
    __tablename__ = "companies"
    __table_args__ = (
        *record_table_args("companies"),
        *owner_table_args("companies"),
        tenant_foreign_key("parent_id", "companies"),
        UniqueConstraint("tenant_id", "domain"),
        sort_index("companies", "name"),
        Index("ix_companies_tenant_parent", "tenant_id", "parent_id", "id"),
        filter_index("companies", "industry"),
        filter_index("companies", "size"),
    )
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    industry: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[str] = mapped_column(String(16), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[uuid.UUID | None]

    parent = tenant_relationship("Company", "parent_id", back_populates="children")
    children = tenant_collection("Company", "parent_id", back_populates="parent", order_by="Company.name")
    contacts = tenant_collection("Contact", "company_id", back_populates="company", order_by="Contact.full_name")
