"""Tags and the link tables that attach them to contacts, companies and leads."""

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, String, Table, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps

DEFAULT_TAG_COLOR = "#6c757d"


class Tag(TenantScoped, Timestamps, Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(60))
    color: Mapped[str] = mapped_column(String(7), default=DEFAULT_TAG_COLOR)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


def tag_link_table(name: str, owner_table: str, owner_column: str) -> Table:
    """A (tenant_id, owner, tag) link table whose both foreign keys include tenant_id."""
    return Table(
        name,
        Base.metadata,
        Column("tenant_id", Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
        Column(owner_column, Uuid, primary_key=True),
        Column("tag_id", Uuid, primary_key=True),
        ForeignKeyConstraint(
            ["tenant_id", owner_column], [f"{owner_table}.tenant_id", f"{owner_table}.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "tag_id"], ["tags.tenant_id", "tags.id"], ondelete="CASCADE"),
        Index(f"ix_{name}_tenant_tag", "tenant_id", "tag_id"),
    )


contact_tags = tag_link_table("contact_tags", "contacts", "contact_id")
company_tags = tag_link_table("company_tags", "companies", "company_id")
lead_tags = tag_link_table("lead_tags", "leads", "lead_id")
