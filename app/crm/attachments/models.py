"""An attached file's row; its bytes live under the storage root, never in the database."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, tenant_foreign_key, tenant_relationship
from app.core.types import utcnow


class Attachment(TenantScoped, Base):
    __tablename__ = "attachments"
    __table_args__ = (
        # The file row goes with its record's row in `records` (the bytes after commit).
        tenant_foreign_key("record_id", "records", ondelete="CASCADE"),
        tenant_foreign_key("uploaded_by_id", "users"),
        Index("ix_attachments_tenant_record", "tenant_id", "record_id", "created_at"),
    )

    record_id: Mapped[uuid.UUID]
    filename: Mapped[str] = mapped_column(String(255))
    # Sniffed from the bytes, not taken from the browser's claim.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by = tenant_relationship("User", "uploaded_by_id")

    @property
    def storage_name(self) -> str:
        return f"{self.id}"
