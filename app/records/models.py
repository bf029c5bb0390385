"""The shared index of CRM records: one `records` row per record of every type.

Each record type's table has a composite foreign key `(tenant_id, id) -> records` with
ON DELETE CASCADE, and the shared capabilities (tags, timeline links, attachments) point at
`records` with composite foreign keys too. So a tag link or a file can never point into
another tenant, the database cleans them up when a record goes, and a new record type
needs no new link tables: it only needs its own table.
"""

import uuid

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_collection, tenant_foreign_key, tenant_relationship
from app.core.newest_first import newest_first_index
from app.core.types import JSONType
from app.records.search import search_index


class RecordEntry(TenantScoped, Timestamps, Base):
    """A record of any type, by id: its type and a title to show wherever it is linked."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_tenant_type_title", "tenant_id", "type", "title"),)
    __repr_label__ = ("type", "title!r")

    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300), default="")


def record_table_args(table: str) -> tuple:
    """The constraints every record type's table carries: its row in `records`, its creator."""
    return (
        tenant_foreign_key("id", "records", ondelete="CASCADE"),
        tenant_foreign_key("created_by_id", "users"),
        newest_first_index(table),
        newest_first_index(table, by="updated_at"),
        search_index(table),
    )


def owner_table_args(table: str) -> tuple:
    """The owner column's composite foreign key and its filter index (see OwnedRecord)."""
    return (tenant_foreign_key("owner_id", "users"), Index(f"ix_{table}_tenant_owner", "tenant_id", "owner_id", "id"))


class RecordModel(TenantScoped, Timestamps):
    """What every record type's model has beside its own columns.

    `search_text` holds the lower-cased searchable values, kept by the kit's services and
    matched by list search (trigram-indexed on PostgreSQL).
    """

    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sort_order=90)
    search_text: Mapped[str] = mapped_column(Text, default="", sort_order=91)
    # The row's entry in `records`, set when it is created: the relationship is what tells the
    # unit of work to insert the entry first (without one it orders tables by class name).
    index_entry = tenant_relationship("RecordEntry", "id", lazy="raise_on_sql")


def tenant_child_rows(target: str, foreign_key: str):
    """The rows that belong to this one (a quote's lines, a contact's e-mails, a pipeline's
    stages), in their `position` order: saved with it, and deleted with it or when taken out of
    the list (as a ChildList field's save does)."""
    return tenant_collection(target, foreign_key, order_by=f"{target}.position", cascade="all, delete-orphan")


class OwnedRecord:
    """The owner capability's column: an active user of the tenant, or none."""

    owner_id: Mapped[uuid.UUID | None] = mapped_column(sort_order=80)
    owner = tenant_relationship("User", "owner_id")


class SavedView(TenantScoped, Timestamps, Base):
    """A user's named list: its search, filters, sort and columns, for one record type."""

    __tablename__ = "saved_views"
    __table_args__ = (
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "user_id", "record_type", "name"),
    )

    user_id: Mapped[uuid.UUID]
    record_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    # {"q": "...", "filters": {...}, "sort": "-created_at", "columns": ["owner", ...]}
    query: Mapped[dict] = mapped_column(JSONType, default=dict)


class HasAddress:
    """The six columns of the kit's `Address` field."""

    address_line1: Mapped[str] = mapped_column(String(200), default="", sort_order=60)
    address_line2: Mapped[str] = mapped_column(String(200), default="", sort_order=61)
    city: Mapped[str] = mapped_column(String(100), default="", sort_order=62)
    region: Mapped[str] = mapped_column(String(100), default="", sort_order=63)
    postal_code: Mapped[str] = mapped_column(String(20), default="", sort_order=64)
    country: Mapped[str] = mapped_column(String(2), default="", sort_order=65)
