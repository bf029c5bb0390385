"""Job bodies of the notification centre (run by the scheduler in the tenant's context)."""

import uuid

from app.notifications.reminders import deliver_reminder


def send_reminder(reminder_id: str) -> dict:
    """The per-tenant job `tenant:{id}:reminder:{reminder id}`: send it, once."""
    return {"sent": deliver_reminder(uuid.UUID(str(reminder_id)))}
