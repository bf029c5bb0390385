"""REST shapes of an activity (calls, emails, SMS, meetings, notes, tasks, system events).

An activity names the record it was logged on (`record_id`) and, for each record type with a
timeline, the record of that type whose timeline shows it (`contact_id`, `company_id`, …).
The type keys are read from the record types the app has when the API is mounted.
"""

from marshmallow import Schema, fields, validate

from app.api.inputs import InputSchema
from app.api.listing import PlainListArguments, page_schema, sort_field
from app.crm.activities.models import ActivityType, Direction
from app.crm.activities.services import SORTS, links_of, timeline_types

DIRECTIONS = list(Direction.LABELS)


def _type_keys() -> list[str]:
    return [f"{item.name}_id" for item in timeline_types()]


class ActivityUpdate(InputSchema):
    subject = fields.String(validate=validate.Length(max=200))
    body = fields.String(validate=validate.Length(max=20_000))
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    outcome = fields.String(validate=validate.Length(max=32), metadata={"description": "Calls and meetings"})
    duration_seconds = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=24 * 60 * 60))
    occurred_at = fields.AwareDateTime()


def _schemas():
    record_keys = {key: fields.UUID(required=True, allow_none=True) for key in _type_keys()}
    output = Schema.from_dict(
        {
            "id": fields.UUID(dump_only=True, required=True),
            "tenant_id": fields.UUID(dump_only=True, required=True),
            "type": fields.String(required=True, validate=validate.OneOf(ActivityType.ALL)),
            "subject": fields.String(required=True),
            "body": fields.String(required=True),
            "direction": fields.String(required=True, validate=validate.OneOf(DIRECTIONS)),
            "outcome": fields.String(required=True),
            "duration_seconds": fields.Integer(required=True, allow_none=True),
            "occurred_at": fields.DateTime(required=True),
            "user_id": fields.UUID(
                dump_only=True, required=True, allow_none=True, metadata={"description": "Who logged it"}
            ),
            "record_id": fields.UUID(
                required=True, allow_none=True, metadata={"description": "The record it was logged on"}
            ),
            **record_keys,
            "details": fields.Dict(
                dump_only=True, required=True, metadata={"description": "System events: action and changes"}
            ),
            "created_at": fields.DateTime(dump_only=True, required=True),
            "updated_at": fields.DateTime(dump_only=True, required=True),
        },
        name="ActivitySchema",
    )
    create_keys = {key: fields.UUID(allow_none=True) for key in ["record_id", *_type_keys()]}
    create = type(
        "ActivityCreate",
        (ActivityUpdate,),
        {"type": fields.String(required=True, validate=validate.OneOf(ActivityType.LOGGABLE)), **create_keys},
    )
    filter_keys = {
        key: fields.UUID(metadata={"description": f"Only this {key.removesuffix('_id')}'s timeline"})
        for key in ["record_id", *_type_keys()]
    }
    arguments = type(
        "ActivityListArguments",
        (PlainListArguments,),
        {
            "sort": sort_field(SORTS, "-occurred_at"),
            "type": fields.List(
                fields.String(validate=validate.OneOf(ActivityType.ALL)), metadata={"description": "Repeatable"}
            ),
            **filter_keys,
        },
    )
    return output, create, arguments, page_schema(output, "ActivityPageSchema")


ActivitySchema, ActivityCreate, ActivityListArguments, ActivityPage = _schemas()


def serialize_activities(activities) -> list[dict]:
    """The API's view of activities: each with the records whose timelines show it."""
    links = links_of([activity.id for activity in activities])
    keys = _type_keys()
    result = []
    for activity in activities:
        body = {
            name: getattr(activity, name)
            for name in (
                "id",
                "tenant_id",
                "type",
                "subject",
                "body",
                "direction",
                "outcome",
                "duration_seconds",
                "occurred_at",
                "user_id",
                "record_id",
                "details",
                "created_at",
                "updated_at",
            )
        }
        body.update(dict.fromkeys(keys))
        for kind, record_id in links.get(activity.id, []):
            key = f"{kind}_id"
            if key in body and body[key] is None:
                body[key] = record_id
        result.append(body)
    return result
