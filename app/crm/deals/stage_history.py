"""A deal's stage history: each stage it entered, and how long it stayed there. The deal's
page (a tab the declaration contributes) and the API both show it."""

from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.crm.deals.models import Deal, StageChange, StageKind


def stage_history(deal: Deal) -> list[StageChange]:
    return list(
        db.session.scalars(
            select(StageChange).where(StageChange.deal_id == deal.id).order_by(StageChange.changed_at, StageChange.id)
        )
    )


def stage_durations(deal: Deal, now=None) -> list[dict]:
    """The stage history, newest first, each entry with how long the deal stayed (or has
    been, for the current one) in the stage it entered."""
    now = now or utcnow()
    changes = stage_history(deal)
    entries = []
    for index, change in enumerate(changes):
        left_at = changes[index + 1].changed_at if index + 1 < len(changes) else None
        end = left_at or (deal.closed_at if deal.closed_at and deal.status != StageKind.OPEN else now)
        entries.append(
            {"change": change, "left_at": left_at, "seconds": max(int((end - change.changed_at).total_seconds()), 0)}
        )
    return list(reversed(entries))
