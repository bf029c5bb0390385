"""Audit rows of the team's messaging objects: templates and campaigns appear in the log
under their name."""

from app.core.audit import record_audit
from app.crm.messaging.models import Campaign, MessageTemplate


def record_messaging_audit(
    action: str, target: MessageTemplate | Campaign, *, actor, details: dict | None = None
) -> None:
    record_audit(action, actor=actor, target=target, target_label=target.name, details=details)
