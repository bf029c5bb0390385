"""A campaign's numbers (one grouped query for many campaigns), its chart and its recipients."""

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.pagination import Sort, sorted_page
from app.crm.messaging.models import Campaign, Channel, Message, MessageStatus

# What a campaign's numbers count, each the recipients it lists when that number is clicked:
# a clicked message was opened too, so "opened" counts (and lists) both.
OUTCOMES = {
    "sent": Message.sent_at.is_not(None),
    "delivered": Message.delivered_at.is_not(None),
    "opened": Message.opened_at.is_not(None),
    "clicked": Message.clicked_at.is_not(None),
    "bounced": Message.bounced_at.is_not(None),
    "unsubscribed": Message.unsubscribed_at.is_not(None),
    "failed": Message.status == MessageStatus.FAILED,
    "waiting": Message.status == MessageStatus.WAITING,
    "queued": Message.status == MessageStatus.QUEUED,
    "blocked": Message.status == MessageStatus.BLOCKED,
    "canceled": Message.status == MessageStatus.CANCELED,
}

# The numbers a campaign's page shows, in its order (queued and canceled pass quickly or
# show in the status badge).
OUTCOME_LABELS = {
    "sent": "Sent",
    "delivered": "Delivered",
    "opened": "Opened",
    "clicked": "Clicked",
    "bounced": "Bounced",
    "unsubscribed": "Unsubscribed",
    "waiting": "Waiting",
    "blocked": "Not sent",  # no consent, no address or suppressed: each row says which
    "failed": "Failed",
}


# An SMS has no open pixel and its links are not rewritten: opens and clicks are email's alone.
EMAIL_ONLY_OUTCOMES = ("opened", "clicked")
CHART_OUTCOMES = ("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed")


def tracks_opens(channel: str) -> bool:
    return channel == Channel.EMAIL


def outcome_labels(channel: str) -> dict:
    """The numbers a campaign on `channel` shows, in order (only those it can count)."""
    return {
        key: label for key, label in OUTCOME_LABELS.items() if tracks_opens(channel) or key not in EMAIL_ONLY_OUTCOMES
    }


def campaign_stats(campaign_ids) -> dict:
    """{campaign id: counts} for many campaigns in one grouped query."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Message.campaign_id,
            func.count(Message.id),
            *(func.sum(case((condition, 1), else_=0)) for condition in OUTCOMES.values()),
        )
        .where(Message.campaign_id.in_(ids))
        .group_by(Message.campaign_id)
    )
    keys = ("recipients", *OUTCOMES)
    result = {campaign_id: dict.fromkeys(keys, 0) for campaign_id in ids}
    for campaign_id, *values in rows:
        result[campaign_id] = {key: int(value or 0) for key, value in zip(keys, values, strict=True)}
    for stats in result.values():
        base = stats["sent"] or 0
        stats["progress"] = (
            0
            if not stats["recipients"]
            else round(100 * (stats["recipients"] - stats["waiting"] - stats["queued"]) / stats["recipients"])
        )
        stats["open_rate"] = round(100 * stats["opened"] / base, 1) if base else 0.0
        stats["click_rate"] = round(100 * stats["clicked"] / base, 1) if base else 0.0
    return result


def channel_stats(stats: dict, channel: str) -> dict:
    """A campaign's numbers with those its channel cannot count as None: an SMS's opens are unknown, not 0."""
    if tracks_opens(channel):
        return stats
    return {**stats, **dict.fromkeys((*EMAIL_ONLY_OUTCOMES, "open_rate", "click_rate"))}


def stats_chart(stats: dict, channel: str) -> dict:
    """The funnel chart of a campaign's results (Chart.js, via charts.js's data-chart)."""
    shown = [(key, label) for key, label in outcome_labels(channel).items() if key in CHART_OUTCOMES]
    return {
        "type": "bar",
        "labels": [label for _, label in shown],
        "datasets": [{"label": "Recipients", "values": [stats[key] for key, _ in shown]}],
    }


def campaign_messages(campaign: Campaign, *, outcome: str | None = None, cursor=None, limit: int = 50):
    """The campaign's recipients, all or those one of its numbers counts (`outcome`)."""
    stmt = select(Message).where(Message.campaign_id == campaign.id).options(selectinload(Message.contact))
    if outcome:
        if outcome not in OUTCOMES:
            raise ValidationFailed(
                "Unknown recipient filter.", details={"outcome": [f"Use one of {', '.join(OUTCOMES)}."]}
            )
        stmt = stmt.where(OUTCOMES[outcome])
    return sorted_page(db.session, stmt, Message, Sort("id", Message.id, False, "Oldest first"), cursor, limit)
