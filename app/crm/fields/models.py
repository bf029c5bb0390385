"""Custom field definitions; the values live in each record's `custom_fields` JSON column."""

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps
from app.core.types import JSONType


class FieldType:
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DATE = "date"
    SINGLE_SELECT = "single_select"
    MULTI_SELECT = "multi_select"
    CHECKBOX = "checkbox"
    URL = "url"
    LABELS = {
        TEXT: "Text",
        LONG_TEXT: "Long text",
        NUMBER: "Number",
        DATE: "Date",
        SINGLE_SELECT: "Single select",
        MULTI_SELECT: "Multi select",
        CHECKBOX: "Checkbox",
        URL: "URL",
    }
    ALL = tuple(LABELS)
    WITH_OPTIONS = (SINGLE_SELECT, MULTI_SELECT)


class FieldDefinition(TenantScoped, Timestamps, Base):
    __tablename__ = "field_definitions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "object_type", "key"),
        Index("ix_field_definitions_tenant_object_position", "tenant_id", "object_type", "position"),
    )
    __repr_label__ = ("object_type", "key")

    object_type: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(80))
    field_type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    help_text: Mapped[str] = mapped_column(String(200), default="")


class HasCustomFields:
    """Mixin for a record type's model: the values of its custom fields, by key."""

    custom_fields: Mapped[dict] = mapped_column(JSONType, default=dict, sort_order=85)
