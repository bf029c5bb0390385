"""A segment: a named, saved definition over one record type, shared or private."""

import uuid

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType


class Visibility:
    SHARED = "shared"
    PRIVATE = "private"
    LABELS = {SHARED: "Shared with the team", PRIVATE: "Only me"}
    ALL = tuple(LABELS)


class Segment(TenantScoped, Timestamps, Base):
    __tablename__ = "segments"
    __table_args__ = (
        tenant_foreign_key("created_by_id", "users"),
        Index("ix_segments_tenant_type_name", "tenant_id", "record_type", "name"),
    )
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    record_type: Mapped[str] = mapped_column(String(32), default="contact")
    visibility: Mapped[str] = mapped_column(String(8), default=Visibility.SHARED)
    created_by_id: Mapped[uuid.UUID | None]
    # {"match": "all"|"any", "rules": [{"field", "op", "value"} | {"match", "rules"}]}
    definition: Mapped[dict] = mapped_column(JSONType, default=dict)

    created_by = tenant_relationship("User", "created_by_id")

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED
