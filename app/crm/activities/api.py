"""REST v1 activities: the timeline entries of contacts, companies and leads."""

from flask.views import MethodView
from marshmallow import INCLUDE

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import page_body, split_list_arguments
from app.crm.activities import services
from app.crm.activities.schemas import (
    ActivityCreate,
    ActivityListArguments,
    ActivityPage,
    ActivitySchema,
    ActivityUpdate,
)
from app.crm.validation import Errors, resolve_record

blp = ApiBlueprint(
    "api_activities",
    __name__,
    url_prefix=f"{API_PREFIX}/activities",
    scope_object="activities",
    description="Calls, emails, SMS, meetings, notes, tasks and system events.",
)


def _timeline_subject(filters: dict):
    """The record whose timeline is asked for: another tenant's id is refused like a missing one."""
    from app.crm.companies.models import Company
    from app.crm.contacts.models import Contact
    from app.crm.leads.models import Lead

    errors = Errors()
    subject = None
    for key, model, label in (
        ("contact_id", Contact, "contact"),
        ("company_id", Company, "company"),
        ("lead_id", Lead, "lead"),
    ):
        if filters.get(key):
            subject = resolve_record(model, filters[key], key, errors, label=label)
    if sum(1 for key in ("contact_id", "company_id", "lead_id") if filters.get(key)) > 1:
        errors.add("contact_id", "Filter by one of contact_id, company_id or lead_id.")
    errors.raise_if_any()
    return subject


@blp.route("")
class Activities(MethodView):
    @blp.arguments(ActivityListArguments, location="query", unknown=INCLUDE)
    @blp.response(200, ActivityPage)
    def get(self, args):
        """List activities, newest first"""
        query = split_list_arguments(args)
        filters = query.pop("filters")
        page = services.list_activities(subject=_timeline_subject(filters), types=filters.get("type"), **query)
        return page_body(page)

    @blp.arguments(ActivityCreate)
    @blp.response(201, ActivitySchema)
    def post(self, data):
        """Log a call, email, SMS, meeting, note or task"""
        return services.log_activity(data, actor=api_actor())


@blp.route("/<uuid:activity_id>")
class ActivityItem(MethodView):
    @blp.response(200, ActivitySchema)
    def get(self, activity_id):
        """Get an activity"""
        return services.get_activity(activity_id)

    @blp.arguments(ActivityUpdate)
    @blp.response(200, ActivitySchema)
    def patch(self, data, activity_id):
        """Change a logged activity (system events are permanent: 409)"""
        return services.update_activity(services.get_activity(activity_id), data, actor=api_actor())

    @blp.response(204)
    def delete(self, activity_id):
        """Delete a logged activity (system events are permanent: 409)"""
        services.delete_activity(services.get_activity(activity_id), actor=api_actor())
