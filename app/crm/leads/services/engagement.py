"""A lead's engagement: its score from activities and its speed to lead."""

from sqlalchemy import func, select

from app.crm.activities.models import Activity, ActivityType, Direction
from app.crm.leads.models import Lead
from app.crm.leads.scoring import compute_score, score_breakdown
from app.extensions import db


def activity_count(lead: Lead) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Activity)
        .where(Activity.lead_id == lead.id, Activity.type != ActivityType.SYSTEM)
    )


def first_response_at(lead: Lead):
    return db.session.scalar(
        select(func.min(Activity.occurred_at)).where(
            Activity.lead_id == lead.id,
            Activity.type.in_(ActivityType.RESPONSES),
            Activity.direction == Direction.OUTBOUND,
        )
    )


def refresh_lead_engagement(lead: Lead) -> None:
    """Recompute the score and the first response from the lead's activities (two queries)."""
    lead.first_response_at = first_response_at(lead)
    lead.score = compute_score(lead, activity_count(lead))


def note_lead_activity(lead: Lead, activity: Activity) -> None:
    """Called when an activity is logged on the lead: engagement and speed to lead move."""
    refresh_lead_engagement(lead)
    db.session.flush()


def lead_score_breakdown(lead: Lead):
    return score_breakdown(lead, activity_count(lead))
