"""Audit rows of the team's messaging objects: templates and campaigns appear in the log
under their name."""

from app.core.audit import record_audit
from app.crm.messaging.models import Campaign, CampaignStatus, MessageTemplate

# The campaign actions whose details name its status ("sending"), shown by its label ("Sending").
CAMPAIGN_DETAIL_ACTIONS = ("campaign.launched",)


def record_messaging_audit(
    action: str, target: MessageTemplate | Campaign, *, actor, details: dict | None = None
) -> None:
    record_audit(action, actor=actor, target=target, target_label=target.name, details=details)


def campaign_statuses_in_details(details: dict) -> dict:
    """An audit row's campaign status by its label, as the campaign's own page shows it; a
    status with no label stays as written."""
    status = details.get("status")
    if isinstance(status, str):
        return {**details, "status": CampaignStatus.LABELS.get(status, status)}
    return details
