"""REST shapes of an activity (calls, emails, SMS, meetings, notes, tasks, system events)."""

from marshmallow import Schema, fields, validate

from app.api.inputs import InputSchema
from app.api.listing import ListArguments, page_schema, sort_field
from app.crm.activities.models import ActivityType, Direction
from app.crm.activities.services import SORTS

DIRECTIONS = list(Direction.LABELS)


class ActivitySchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    tenant_id = fields.UUID(dump_only=True, required=True)
    type = fields.String(required=True, validate=validate.OneOf(ActivityType.ALL))
    subject = fields.String(required=True)
    body = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    outcome = fields.String(required=True)
    duration_seconds = fields.Integer(required=True, allow_none=True)
    occurred_at = fields.DateTime(required=True)
    user_id = fields.UUID(dump_only=True, required=True, allow_none=True, metadata={"description": "Who logged it"})
    contact_id = fields.UUID(required=True, allow_none=True)
    company_id = fields.UUID(required=True, allow_none=True)
    lead_id = fields.UUID(required=True, allow_none=True)
    details = fields.Dict(dump_only=True, required=True, metadata={"description": "System events: action and changes"})
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class ActivityUpdate(InputSchema):
    subject = fields.String(validate=validate.Length(max=200))
    body = fields.String(validate=validate.Length(max=20_000))
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    outcome = fields.String(validate=validate.Length(max=32), metadata={"description": "Calls and meetings"})
    duration_seconds = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=24 * 60 * 60))
    occurred_at = fields.AwareDateTime()


class ActivityCreate(ActivityUpdate):
    type = fields.String(required=True, validate=validate.OneOf(ActivityType.LOGGABLE))
    contact_id = fields.UUID(allow_none=True)
    company_id = fields.UUID(allow_none=True)
    lead_id = fields.UUID(allow_none=True)


class ActivityListArguments(ListArguments):
    allows_custom_filters = False
    sort = sort_field(SORTS, "-occurred_at")
    type = fields.List(fields.String(validate=validate.OneOf(ActivityType.ALL)), metadata={"description": "Repeatable"})
    contact_id = fields.UUID(metadata={"description": "Only this contact's timeline"})
    company_id = fields.UUID(metadata={"description": "Only this company's timeline"})
    lead_id = fields.UUID(metadata={"description": "Only this lead's timeline"})


ActivityPage = page_schema(ActivitySchema, "ActivityPageSchema")
