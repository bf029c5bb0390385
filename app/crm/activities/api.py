"""REST v1 activities: the timeline entries of every record type with a timeline."""

from flask.views import MethodView

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.api.listing import split_list_arguments
from app.core.context import require_tenant_id
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.crm.activities import services
from app.crm.activities.schemas import (
    ActivityCreate,
    ActivityListArguments,
    ActivityPage,
    ActivitySchema,
    ActivityUpdate,
    serialize_activities,
)
from app.records.models import RecordEntry
from app.records.registry import find_record_type

blp = resource_blueprint(
    "activities",
    __name__,
    scope_object="activities",
    description="Calls, emails, SMS, meetings, notes, tasks and system events.",
)


def _timeline_subject(filters: dict):
    """The record whose timeline is asked for: another tenant's id is refused like a missing one."""
    given = [key for key in services.subject_keys() if filters.get(key)]
    if not given:
        return None
    if len(given) > 1:
        raise ValidationFailed("One timeline at a time.", details={given[0]: ["Filter by one record."]})
    key = given[0]
    entry = db.session.get(RecordEntry, (require_tenant_id(), filters[key]))
    expected = None if key == "record_id" else key.removesuffix("_id")
    record_type = find_record_type(entry.type) if entry is not None else None
    if record_type is None or (expected and entry.type != expected) or not record_type.has("timeline"):
        raise ValidationFailed("Unknown record.", details={key: [f"Choose an existing {expected or 'record'}."]})
    return db.session.get(record_type.model, (require_tenant_id(), entry.id))


@blp.route("")
class Activities(MethodView):
    @blp.paged(ActivityListArguments, ActivityPage)
    def get(self, args):
        """List activities, newest first"""
        query = split_list_arguments(args)
        filters = query.pop("filters")
        page = services.list_activities(subject=_timeline_subject(filters), types=filters.get("type"), **query)
        page.items = serialize_activities(page.items)
        return page

    @blp.arguments(ActivityCreate)
    @blp.response(201, ActivitySchema)
    def post(self, data):
        """Log a call, email, SMS, meeting, note or task on a record"""
        return serialize_activities([services.log_activity(data, actor=api_actor())])[0]


@blp.route("/<uuid:activity_id>")
class ActivityItem(MethodView):
    @blp.response(200, ActivitySchema)
    def get(self, activity_id):
        """Get an activity"""
        return serialize_activities([services.get_activity(activity_id)])[0]

    @blp.arguments(ActivityUpdate)
    @blp.response(200, ActivitySchema)
    def patch(self, data, activity_id):
        """Change a logged activity (system events are permanent: 409)"""
        activity = services.update_activity(services.get_activity(activity_id), data, actor=api_actor())
        return serialize_activities([activity])[0]

    @blp.response(204)
    def delete(self, activity_id):
        """Delete a logged activity (system events are permanent: 409)"""
        services.delete_activity(services.get_activity(activity_id), actor=api_actor())
