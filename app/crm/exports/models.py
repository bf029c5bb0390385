"""A whole-workspace export: a ZIP built by a job, downloaded by the owner."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.newest_first import newest_first_index


class WorkspaceExport(TenantScoped, Timestamps, Base):
    __tablename__ = "workspace_exports"
    __table_args__ = (
        tenant_foreign_key("created_by_id", "users"),
        newest_first_index("workspace_exports"),
    )

    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, done, failed
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None]

    created_by = tenant_relationship("User", "created_by_id")
