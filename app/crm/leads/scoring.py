"""Lead score 0–100 from three rule groups, each line explained: source, completeness, engagement."""

from dataclasses import dataclass

from app.crm.leads.models import LeadSource

SOURCE_POINTS = {
    "referral": 30,
    "partner": 25,
    "event": 20,
    "website": 20,
    "social": 10,
    "paid_ads": 10,
    "cold_outreach": 5,
    "other": 5,
}
COMPLETENESS_POINTS = (
    ("email", "Has an email address", 10),
    ("phone", "Has a phone number", 10),
    ("company_name", "Names a company", 10),
    ("title", "Has a job title", 5),
    ("estimated_value", "Has an estimated value", 5),
)
POINTS_PER_ACTIVITY = 6
MAX_ENGAGEMENT = 30


@dataclass(frozen=True)
class ScoreLine:
    group: str
    label: str
    points: int
    max_points: int


def score_breakdown(lead, activity_count: int) -> list[ScoreLine]:
    lines = [
        ScoreLine(
            "Source",
            LeadSource.LABELS.get(lead.source, lead.source),
            SOURCE_POINTS.get(lead.source, 0),
            max(SOURCE_POINTS.values()),
        )
    ]
    for attribute, label, points in COMPLETENESS_POINTS:
        value = getattr(lead, attribute)
        lines.append(ScoreLine("Completeness", label, points if value not in (None, "") else 0, points))
    engagement = min(activity_count * POINTS_PER_ACTIVITY, MAX_ENGAGEMENT)
    noun = "activity" if activity_count == 1 else "activities"
    lines.append(ScoreLine("Engagement", f"{activity_count} logged {noun}", engagement, MAX_ENGAGEMENT))
    return lines


def compute_score(lead, activity_count: int) -> int:
    return max(0, min(100, sum(line.points for line in score_breakdown(lead, activity_count))))
