"""The tenant audit log: who did what to which record, written in the same transaction.

While a platform admin impersonates a user, every row names the admin as the actor
("admin@… (impersonating owner@…)", the admin's id in `details`), and each one is also
reported to the listeners registered with `on_impersonated_audit` (the console's platform
audit log): attribution happens here, once, not in every service.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.bulk_rows import add_row, make_row
from app.core.models import Base, TenantScoped
from app.core.text import key_in_words
from app.core.types import JSONType, utcnow

# What people read instead of action codes ("login.succeeded" -> "Signed in"). Each package
# declares the labels of the actions it writes (AUDIT_LABELS) and app/wiring.py registers them.
_action_labels: dict[str, str] = {}
# Domain events are "<subject>.<verb>": a record type registers its subject ("contact" ->
# "Contact"), so "contact.created" reads "Contact created" without a line of its own.
_subject_labels: dict[str, str] = {}


# Details that hold a code with a name of its own (a plan's "premium" is "Premium"): the
# package owning the names registers a reader for those actions, applied when the log is shown
# (so rows written before a rename read the current name too).
_detail_readers: dict[str, Callable[[dict], dict]] = {}


def register_audit_details(actions, reader: Callable[[dict], dict]) -> None:
    for action in actions:
        _detail_readers[action] = reader


def field_labels_in_details(key: str, labels: dict[str, str]) -> Callable[[dict], dict]:
    """A details reader for an action that lists the fields it changed under `key`
    (["from_email", "steps"]): each by its label, as the settings page words it."""

    def read(details: dict) -> dict:
        names = details.get(key)
        if not isinstance(names, list):
            return details
        return {
            **details,
            key: [labels.get(name, key_in_words(name)) if isinstance(name, str) else name for name in names],
        }

    return read


def register_audit_labels(labels: dict[str, str]) -> None:
    _action_labels.update(labels)


def register_audit_subject(subject: str, label: str) -> None:
    _subject_labels[subject] = label


def has_audit_label(action: str) -> bool:
    subject, _, verb = action.partition(".")
    return action in _action_labels or (subject in _subject_labels and bool(verb))


def audit_action_label(action: str) -> str:
    """The human label of an audit action; never the raw code, even for one nobody labelled."""
    if action in _action_labels:
        return _action_labels[action]
    subject, _, verb = action.partition(".")
    if subject in _subject_labels and verb:
        return f"{_subject_labels[subject]} {verb.replace('_', ' ')}"
    return action.replace("_", " ").replace(".", " ").capitalize()


def _words(key: str) -> str:
    """A details key as a reader's label: "unit_price" -> "Unit price", "stage_id" -> "Stage"."""
    return key_in_words(key.removesuffix("_id"))


def _detail_value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if value.keys() == {"old", "new"}:
            return f"{_detail_value(value['old'])} → {_detail_value(value['new'])}"
        return ", ".join(f"{_words(key)}: {_detail_value(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_detail_value(item) for item in value)
    return str(value)


def _change_value(change) -> str:
    """A change as the events write it ({"old", "new"}) or as settings and plans do ([old, new])."""
    if isinstance(change, list | tuple) and len(change) == 2:
        change = {"old": change[0], "new": change[1]}
    return _detail_value(change)


def audit_details_text(details: dict | None, action: str | None = None) -> str:
    """An audit row's details in words: "Unit price: 95.00 → 105.00; Reason: …", never a Python
    dict. `changes` lists each field's old and new value; a `from`/`to` pair reads "old → new"."""
    details = dict(details or {})
    if action in _detail_readers:
        details = _detail_readers[action](details)
    parts = []
    if "from" in details and "to" in details:
        parts.append(f"{_detail_value(details.pop('from'))} → {_detail_value(details.pop('to'))}")
    changes = details.pop("changes", None)
    # In the labels' order: PostgreSQL's JSONB keeps keys in an order of its own, so the order
    # they were written in would read differently on the two databases.
    if isinstance(changes, dict):
        parts.extend(sorted(f"{_words(field)}: {_change_value(change)}" for field, change in changes.items()))
    elif changes is not None:
        details["changes"] = changes
    parts.extend(sorted(f"{_words(key)}: {_detail_value(value)}" for key, value in details.items()))
    return "; ".join(parts)


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


@dataclass(frozen=True)
class Impersonator:
    admin_id: str
    admin_email: str


_impersonated_listeners: list[Callable[[AuditEvent, Impersonator], None]] = []


def act_as_impersonator(admin_id, admin_email: str) -> None:
    """Mark the current request as a platform admin's, acting through someone's session."""
    g.audit_impersonator = Impersonator(str(admin_id or ""), admin_email or "platform admin")


def current_impersonator() -> Impersonator | None:
    return g.get("audit_impersonator") if has_request_context() else None


def on_impersonated_audit(callback: Callable[[AuditEvent, Impersonator], None]) -> None:
    """Register a callback for every audit row written during an impersonation (once)."""
    if callback not in _impersonated_listeners:
        _impersonated_listeners.append(callback)


def record_audit(
    action: str,
    *,
    actor=None,
    actor_label: str | None = None,
    target=None,
    target_label: str = "",
    details: dict | None = None,
    target_type: str | None = None,
    target_id=None,
) -> AuditEvent:
    """Add an audit row to the current transaction (the caller's commit makes it durable).

    The target is an object, or a `target_type` and `target_id` when only its name is known.
    """

    actor_id = getattr(actor, "id", None)
    label = actor_label or getattr(actor, "email", "") or ""
    details = dict(details or {})
    impersonator = current_impersonator()
    # The start and end of an impersonation already name the admin themselves.
    if impersonator is not None and not action.startswith("impersonation."):
        details["impersonated_by"] = {"admin_id": impersonator.admin_id, "admin_email": impersonator.admin_email}
        if actor_id is not None:
            details["impersonated_user_id"] = str(actor_id)
        actor_id, label = None, f"{impersonator.admin_email} (impersonating {label})"[:254]
    event = make_row(
        AuditEvent,
        actor_id=actor_id,
        actor_label=label,
        action=action,
        target_type=target_type or (type(target).__name__.lower() if target is not None else None),
        target_id=target_id if target_id is not None else getattr(target, "id", None),
        target_label=target_label,
        details=details,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    add_row(event)
    if "impersonated_by" in details:
        for callback in _impersonated_listeners:
            callback(event, impersonator)
    return event


def audit_domain_event(event, record=None) -> AuditEvent:
    """In-transaction subscriber: every domain event is also a row of the tenant's audit log
    (attributed like every other row, impersonation included)."""
    return record_audit(
        event.name,
        actor=_EventActor(event.actor_id, event.actor_label),
        target_type=event.record_type,
        target_id=event.record_id,
        target_label=str((event.data or {}).get("label") or event.summary)[:254],
        details={"changes": event.changes} if event.changes else None,
    )


@dataclass(frozen=True)
class _EventActor:
    id: uuid.UUID | None
    email: str
