"""The timeline and notes capabilities: log calls, emails, meetings and notes on any record
type that declares them, and read its history (system events included)."""

from flask import request

from app.crm.activities.pages import log_form_context, timeline_context
from app.crm.activities.services import delete_orphaned_activities
from app.records.capabilities import Capability, Panel, Tab


class TimelineCapability(Capability):
    key = "timeline"
    label = "Timeline"

    def tabs(self, record_type):
        return [
            Tab(
                "timeline",
                "Timeline",
                "crm/activities/_timeline.html",
                _timeline,
                icon="clock-history",
                order=10,
                permission="activities.view",
            )
        ]

    def panels(self, record_type):
        return [Panel("log", "crm/activities/_log_panel.html", _log_panel, order=5, column="main")]

    def before_delete(self, record_type, records, actor):
        delete_orphaned_activities([record.id for record in records])


class NotesCapability(Capability):
    key = "notes"
    label = "Notes"

    def tabs(self, record_type):
        return [
            Tab(
                "notes",
                "Notes",
                "crm/activities/_timeline.html",
                _notes,
                icon="sticky",
                order=20,
                permission="activities.view",
            )
        ]


def _timeline(record_type, record) -> dict:
    return timeline_context(record, record_type, request.args)


def _notes(record_type, record) -> dict:
    return timeline_context(record, record_type, {}, fixed_types=["note"])


def _log_panel(record_type, record) -> dict:
    return log_form_context(record, record_type)


TIMELINE = TimelineCapability()
NOTES = NotesCapability()
