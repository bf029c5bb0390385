"""Users of a tenant and the single-use tokens that invite, reset and hand off logins."""

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType


class Role:
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    SALES = "sales"
    MARKETING = "marketing"
    SUPPORT = "support"
    VIEWER = "viewer"
    ALL = (OWNER, ADMIN, MANAGER, SALES, MARKETING, SUPPORT, VIEWER)
    LABELS = {
        OWNER: "Owner",
        ADMIN: "Admin",
        MANAGER: "Manager",
        SALES: "Sales",
        MARKETING: "Marketing",
        SUPPORT: "Support",
        VIEWER: "Viewer",
    }


class User(UserMixin, TenantScoped, Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)
    __repr_label__ = ("email",)

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.VIEWER)
    is_active_user: Mapped[bool] = mapped_column("is_active", default=True)
    # Rotated to end every session of the user at once (deactivation, password change).
    session_token: Mapped[str] = mapped_column(String(64))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # The time step of the last code that signed in: that code and older ones are spent.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    recovery_code_hashes: Mapped[list] = mapped_column(JSONType, default=list)
    last_login_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.is_active_user

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Invitation(TenantScoped, Timestamps, Base):
    __tablename__ = "invitations"
    __table_args__ = (
        tenant_foreign_key("invited_by_id", "users"),
        Index("ix_invitations_tenant_email", "tenant_id", "email"),
        UniqueConstraint("tenant_id", "token_hash"),
    )

    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by_id: Mapped[uuid.UUID | None]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    invited_by = tenant_relationship("User", "invited_by_id")


class TokenPurpose:
    PASSWORD_RESET = "password_reset"
    LOGIN_HANDOFF = "login_handoff"
    IMPERSONATION = "impersonation"


class AuthToken(TenantScoped, Timestamps, Base):
    """A single-use secret sent by link; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"
    __table_args__ = (
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "token_hash"),
    )

    user_id: Mapped[uuid.UUID]
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    details: Mapped[dict] = mapped_column(JSONType, default=dict)

    user = tenant_relationship("User", "user_id")
