"""A campaign's numbers (one grouped query for many campaigns), its chart and its recipients."""

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.core.extensions import db
from app.core.pagination import Sort, sorted_page
from app.crm.messaging.models import Campaign, Message, MessageStatus


def campaign_stats(campaign_ids) -> dict:
    """{campaign id: counts} for many campaigns in one grouped query."""
    ids = list(campaign_ids)
    if not ids:
        return {}

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = db.session.execute(
        select(
            Message.campaign_id,
            func.count(Message.id),
            count_if(Message.sent_at.is_not(None)),
            count_if(Message.delivered_at.is_not(None)),
            count_if(Message.opened_at.is_not(None)),
            count_if(Message.clicked_at.is_not(None)),
            count_if(Message.bounced_at.is_not(None)),
            count_if(Message.unsubscribed_at.is_not(None)),
            count_if(Message.status == MessageStatus.FAILED),
            count_if(Message.status == MessageStatus.WAITING),
            count_if(Message.status == MessageStatus.QUEUED),
            count_if(Message.status == MessageStatus.BLOCKED),
            count_if(Message.status == MessageStatus.CANCELED),
        )
        .where(Message.campaign_id.in_(ids))
        .group_by(Message.campaign_id)
    )
    keys = (
        "recipients",
        "sent",
        "delivered",
        "opened",
        "clicked",
        "bounced",
        "unsubscribed",
        "failed",
        "waiting",
        "queued",
        "blocked",
        "canceled",
    )
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


def stats_chart(stats: dict) -> dict:
    """The funnel chart of a campaign's results (Chart.js, via charts.js's data-chart)."""
    labels = ["Sent", "Delivered", "Opened", "Clicked", "Bounced", "Unsubscribed"]
    return {
        "type": "bar",
        "labels": labels,
        "datasets": [{"label": "Recipients", "values": [stats[key.lower()] for key in labels]}],
    }


def campaign_messages(campaign: Campaign, *, status: str | None = None, cursor=None, limit: int = 50):
    stmt = select(Message).where(Message.campaign_id == campaign.id).options(selectinload(Message.contact))
    if status:
        stmt = stmt.where(Message.status == status)
    return sorted_page(db.session, stmt, Message, Sort("id", Message.id, False, "Oldest first"), cursor, limit)
