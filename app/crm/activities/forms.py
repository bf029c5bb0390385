"""Logging an activity in place (HTMX) and editing one."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from app.core.forms import PageForm
from app.crm.activities.models import CALL_OUTCOMES, MEETING_OUTCOMES, ActivityType, Direction

# One list for both kinds, each outcome saying which kind it goes with.
OUTCOME_CHOICES = [
    ("", "—"),
    *((key, f"{label} (call)") for key, label in CALL_OUTCOMES.items()),
    *((key, f"{label} (meeting)") for key, label in MEETING_OUTCOMES.items()),
]


class ActivityForm(PageForm):
    subject = StringField("Subject", validators=[Length(max=200)])
    body = TextAreaField("Notes", validators=[Length(max=20_000)], render_kw={"rows": 3})
    direction = SelectField("Direction", choices=list(Direction.LABELS.items()), default=Direction.OUTBOUND)
    outcome = SelectField("Outcome", choices=OUTCOME_CHOICES, default="")
    duration_minutes = IntegerField("Minutes", validators=[Optional(), NumberRange(min=0, max=24 * 60)])
    occurred_at = DateTimeLocalField("When", validators=[Optional()], format="%Y-%m-%dT%H:%M")

    def fill_from(self, activity) -> None:
        zone = ZoneInfo(g.tenant.timezone)
        self.subject.data, self.body.data = activity.subject, activity.body
        self.direction.data, self.outcome.data = activity.direction, activity.outcome
        self.duration_minutes.data = activity.duration_seconds // 60 if activity.duration_seconds else None
        self.occurred_at.data = activity.occurred_at.astimezone(zone).replace(tzinfo=None)

    def common_data(self) -> dict:
        data = {"subject": self.subject.data or "", "body": self.body.data or ""}
        # A type shows only its own inputs (a note has no direction, an email no minutes): one
        # the page did not send keeps its stored value rather than the form's default.
        if self.direction.raw_data:
            data["direction"] = self.direction.data or ""
        if self.outcome.raw_data:
            data["outcome"] = self.outcome.data or ""
        if self.duration_minutes.raw_data:
            minutes = self.duration_minutes.data
            data["duration_seconds"] = minutes * 60 if minutes is not None else None
        if self.occurred_at.data:
            # The browser sends wall-clock time; it means the workspace's time zone.
            data["occurred_at"] = self.occurred_at.data.replace(tzinfo=ZoneInfo(g.tenant.timezone))
        return data


class LogActivityForm(ActivityForm):
    type = SelectField(
        "Type", choices=[(key, ActivityType.LABELS[key]) for key in ActivityType.LOGGABLE], default=ActivityType.CALL
    )

    def to_data(self, record_id) -> dict:
        return {"type": self.type.data, **self.common_data(), "record_id": record_id}


def now_local() -> datetime:
    return datetime.now(ZoneInfo(g.tenant.timezone)).replace(tzinfo=None, second=0, microsecond=0)
