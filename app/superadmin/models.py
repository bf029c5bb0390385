"""Platform administrators and the platform audit trail (platform tables)."""

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.ids import uuid7
from app.core.models import Base, PlatformModel, Timestamps
from app.core.types import JSONType, utcnow


class PlatformAdmin(UserMixin, PlatformModel, Timestamps, Base):
    __tablename__ = "platform_admins"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_admin: Mapped[bool] = mapped_column("is_active", default=True)
    session_token: Mapped[str] = mapped_column(String(64))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # The time step of the last code that signed in: that code and older ones are spent.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    last_login_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.is_active_admin

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class PlatformAuditEvent(PlatformModel, Base):
    """Every console action and every cross-tenant read."""

    __tablename__ = "platform_audit_events"
    __table_args__ = (Index("ix_platform_audit_events_created", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    admin_id: Mapped[uuid.UUID | None]
    admin_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
