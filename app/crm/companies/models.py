"""The Company record and its place in a parent/child hierarchy."""

import uuid

from sqlalchemy import Index, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from app.core.models import Base, TenantScoped, Timestamps, tenant_collection, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType
from app.crm.search import search_index
from app.crm.tags.models import Tag, company_tags

COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+")


class Company(TenantScoped, Timestamps, Base):
    __tablename__ = "companies"
    __table_args__ = (
        tenant_foreign_key("owner_id", "users"),
        tenant_foreign_key("parent_id", "companies"),
        tenant_foreign_key("created_by_id", "users"),
        UniqueConstraint("tenant_id", "domain"),
        Index("ix_companies_tenant_name", "tenant_id", "name", "id"),
        Index("ix_companies_tenant_created", "tenant_id", "created_at", "id"),
        Index("ix_companies_tenant_updated", "tenant_id", "updated_at", "id"),
        Index("ix_companies_tenant_parent", "tenant_id", "parent_id"),
        Index("ix_companies_tenant_owner", "tenant_id", "owner_id"),
        search_index("companies"),
    )

    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    industry: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[str] = mapped_column(String(16), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    owner_id: Mapped[uuid.UUID | None]
    parent_id: Mapped[uuid.UUID | None]
    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[uuid.UUID | None]
    # Lower-cased name and domain, kept by the services: what list search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")

    owner = tenant_relationship("User", "owner_id")
    parent = tenant_relationship("Company", "parent_id", back_populates="children")
    children = tenant_collection("Company", "parent_id", back_populates="parent", order_by="Company.name")
    contacts = tenant_collection("Contact", "company_id", back_populates="company", order_by="Contact.full_name")
    tags = relationship(
        Tag,
        secondary=company_tags,
        primaryjoin=lambda: and_(
            Company.tenant_id == foreign(company_tags.c.tenant_id), Company.id == foreign(company_tags.c.company_id)
        ),
        secondaryjoin=lambda: and_(
            Tag.tenant_id == foreign(company_tags.c.tenant_id), Tag.id == foreign(company_tags.c.tag_id)
        ),
        order_by=Tag.name,
    )

    @property
    def address_lines(self) -> list[str]:
        locality = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = [self.address_line1, self.address_line2, locality, self.region, self.country]
        return [line for line in lines if line]

    def __repr__(self) -> str:
        return f"<Company {self.name}>"
