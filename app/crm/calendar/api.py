"""REST v1 meetings: the kit's resource, plus the calendar's view of a range and rescheduling."""

from marshmallow import Schema, fields, validate

from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.crm.calendar import services
from app.crm.calendar.record import MEETINGS
from app.records.api import json_body, record_api_blueprint
from app.records.schemas import output_schema, serialize
from app.records.services import get_record

blp = record_api_blueprint(MEETINGS)


class RescheduleInput(InputSchema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


class CalendarArguments(InputSchema):
    start = fields.String(required=True, validate=validate.Length(max=40), metadata={"description": "ISO 8601"})
    end = fields.String(required=True, validate=validate.Length(max=40), metadata={"description": "ISO 8601"})
    users = fields.String(
        validate=validate.Length(max=2000), metadata={"description": "User ids, comma-separated (default: you)"}
    )


class CalendarEventSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    url = fields.String(required=True)
    color = fields.String(required=True)
    editable = fields.Boolean(required=True)
    extendedProps = fields.Dict(required=True)  # noqa: N815 - FullCalendar's name


@blp.route("/<uuid:meeting_id>/reschedule", methods=["POST"])
@blp.response(200, output_schema(MEETINGS))
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RescheduleInput}}})
def reschedule(meeting_id):
    """Move a meeting (attendees get an updated invitation)

    The body is checked by the meeting's validator, as an edit would be (422 with field errors).
    """
    actor = api_actor()
    meeting = get_record(MEETINGS, meeting_id, actor=actor, detail=True)
    body = json_body()
    return serialize(MEETINGS, services.reschedule(meeting, body.get("starts_at"), body.get("ends_at"), actor=actor))


@blp.route("/calendar", methods=["GET"])
@blp.arguments(CalendarArguments, location="query")
@blp.response(200, CalendarEventSchema(many=True))
def calendar(args):
    """The meetings of some users in a range (at most two months), as calendar events"""
    from app.core.ids import parse_uuid

    ids = [parse_uuid(value) for value in (args.get("users") or "").split(",")]
    return services.calendar_events(api_actor(), args["start"], args["end"], [uid for uid in ids if uid])
