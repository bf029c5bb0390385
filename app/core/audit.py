"""The tenant audit log: who did what to which record, written in the same transaction."""

import uuid
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped
from app.core.types import JSONType, utcnow


class AuditEvent(TenantScoped, Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_tenant_created", "tenant_id", "created_at"),)

    # Plain columns, no foreign key: the trail must outlive the user it names.
    actor_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[uuid.UUID | None]
    target_label: Mapped[str] = mapped_column(String(254), default="")
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def record_audit(
    action: str,
    *,
    actor=None,
    actor_label: str | None = None,
    target=None,
    target_label: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction (the caller's commit makes it durable)."""
    from app.extensions import db

    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "email", "") or "",
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        target_label=target_label,
        details=details or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def audit_domain_event(event, record=None) -> AuditEvent:
    """In-transaction subscriber: every domain event is also a row of the tenant's audit log."""
    from app.extensions import db

    details = {}
    if event.changes:
        details["changes"] = event.changes
    entry = AuditEvent(
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.name,
        target_type=event.record_type,
        target_id=event.record_id,
        target_label=str((event.data or {}).get("label") or event.summary)[:254],
        details=details,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
