"""The timeline and notes capabilities: log calls, emails, meetings and notes on any record
type that declares them, and read its history (system events included)."""

from datetime import timedelta

from flask import request
from sqlalchemy import exists, false, func, select

from app.core.context import require_tenant_id
from app.crm.activities.models import Activity, ActivityType, activity_links
from app.crm.activities.pages import log_form_context, timeline_context
from app.crm.activities.services import delete_orphaned_activities
from app.records.capabilities import Capability, Panel, Tab
from app.records.conditions import Condition, parse_days


class TimelineCapability(Capability):
    key = "timeline"
    label = "Timeline"

    def tabs(self, record_type):
        return [_activities_tab("timeline", "Timeline", _timeline, icon="clock-history", order=10)]

    def panels(self, record_type):
        return [Panel("log", "crm/activities/_log_panel.html", _log_panel, order=5, column="main")]

    def before_delete(self, record_type, records, actor):
        delete_orphaned_activities([record.id for record in records])

    def conditions(self, record_type):
        return [Condition("last_activity", "Activity", "recency", _recency_builder(record_type), group="Activity")]


def _recency_builder(record_type):
    """ "Activity within / not in the last N days": a logged call, email, meeting, note or task
    on the record's timeline (system events do not count), found through the timeline's
    (tenant, record, occurred_at) index."""

    model = record_type.model

    def build(operator, value, context):
        days = parse_days(value, context)
        if days is None:
            return false()
        tenant_id = require_tenant_id()
        recent = exists().where(
            activity_links.c.tenant_id == tenant_id,
            activity_links.c.record_id == model.id,
            activity_links.c.occurred_at >= context.now - timedelta(days=days),
            Activity.tenant_id == tenant_id,
            Activity.id == activity_links.c.activity_id,
            Activity.type != ActivityType.SYSTEM,
        )
        return recent if operator == "within_days" else ~recent

    return build


def last_activity_at(model):
    """SQL: when the outer `model` row's last logged activity (not a system event) happened,
    NULL when none; read backwards through the timeline's (tenant, record, occurred_at) index."""

    return (
        select(func.max(activity_links.c.occurred_at))
        .join(
            Activity,
            (Activity.tenant_id == activity_links.c.tenant_id) & (Activity.id == activity_links.c.activity_id),
        )
        .where(
            activity_links.c.tenant_id == model.tenant_id,
            activity_links.c.record_id == model.id,
            Activity.type != ActivityType.SYSTEM,
        )
        .correlate(model)
        .scalar_subquery()
    )


class NotesCapability(Capability):
    key = "notes"
    label = "Notes"

    def tabs(self, record_type):
        return [_activities_tab("notes", "Notes", _notes, icon="sticky", order=20)]


def _activities_tab(key: str, label: str, loader, *, icon: str, order: int) -> Tab:
    """A detail page's tab listing the record's activities (`loader` picks which)."""
    return Tab(
        key, label, "crm/activities/_timeline.html", loader, icon=icon, order=order, permission="activities.view"
    )


def _timeline(record_type, record) -> dict:
    return timeline_context(record, record_type, request.args)


def _notes(record_type, record) -> dict:
    return timeline_context(record, record_type, {}, fixed_types=["note"])


def _log_panel(record_type, record) -> dict:
    return log_form_context(record, record_type)


TIMELINE = TimelineCapability()
NOTES = NotesCapability()
