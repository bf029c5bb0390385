"""API keys of a tenant: only a SHA-256 of the secret is stored, looked up by its public prefix."""

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType


class ApiKey(TenantScoped, Timestamps, Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "prefix"),
        tenant_foreign_key("created_by_id", "users"),
    )
    __repr_label__ = ("prefix", "name")

    name: Mapped[str] = mapped_column(String(80))
    # Public and random (it says nothing about the tenant): shown in lists, used to find the key.
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[uuid.UUID | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    created_by = tenant_relationship("User", "created_by_id")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def creator_is_active(self) -> bool:
        """A key acts for its creator: it works only while they are an active member."""
        return self.created_by is not None and self.created_by.is_active_user

    @property
    def display_prefix(self) -> str:
        return f"atr_{self.prefix}_…"

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or [])
