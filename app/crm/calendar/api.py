"""REST v1 meetings: the kit's resource, plus the calendar's view of a range and rescheduling."""

from marshmallow import Schema, fields, validate

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.core.ids import parse_uuid
from app.crm.calendar import booking, services
from app.crm.calendar.record import MEETINGS
from app.notifications.services import tenant_link
from app.records.api import json_body, json_body_doc, record_api_blueprint
from app.records.schemas import output_schema, serialize
from app.records.services import get_record

blp = record_api_blueprint(MEETINGS)


class RescheduleInput(InputSchema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


class CalendarArguments(InputSchema):
    start = fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with an offset"})
    end = fields.AwareDateTime(
        required=True, metadata={"description": "ISO 8601 with an offset; at most two months after start"}
    )
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
@blp.doc(**json_body_doc(RescheduleInput))
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
    """The meetings of some users in a range, as calendar events

    A range longer than two months is cut to its first two months.
    """

    ids = [parse_uuid(value) for value in (args.get("users") or "").split(",")]
    return services.calendar_events(api_actor(), args["start"], args["end"], [uid for uid in ids if uid])


# ---------------------------------------------------------------------------- booking types

booking_types_api = resource_blueprint(
    "booking-types",
    __name__,
    scope_object="booking_types",
    tag="booking-types",
    description="Meeting types users publish on public booking pages (`/book/<slug>` on the workspace's host).",
)


class BookingTypeSchema(Schema):
    id = fields.UUID(required=True)
    user_id = fields.UUID(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    description = fields.String(required=True)
    location = fields.String(required=True)
    video_url = fields.String(required=True, metadata={"description": "Given to every meeting booked on the page"})
    duration_minutes = fields.Integer(required=True)
    availability = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.List(fields.String())),
        required=True,
        metadata={"description": '{"mon": [["09:00", "17:00"]], …} in `timezone`'},
    )
    timezone = fields.String(required=True)
    buffer_before_minutes = fields.Integer(required=True)
    buffer_after_minutes = fields.Integer(required=True)
    min_notice_minutes = fields.Integer(required=True)
    max_days_ahead = fields.Integer(required=True)
    daily_cap = fields.Integer(required=True, allow_none=True)
    member_ids = fields.List(fields.String(), required=True, metadata={"description": "A team page's members, in turn"})
    active = fields.Boolean(required=True)
    url = fields.Method("public_url", required=True)

    def public_url(self, booking_type) -> str:
        return tenant_link("booking.page", external=True, slug=booking_type.slug)


class BookingTypeInput(InputSchema):
    name = fields.String(validate=validate.Length(max=120))
    slug = fields.String(validate=validate.Length(max=60))
    description = fields.String(validate=validate.Length(max=2000))
    location = fields.String(validate=validate.Length(max=300))
    video_url = fields.String(validate=validate.Length(max=2000))
    duration_minutes = fields.Integer()
    availability = fields.Dict()
    timezone = fields.String()
    buffer_before_minutes = fields.Integer()
    buffer_after_minutes = fields.Integer()
    min_notice_minutes = fields.Integer()
    max_days_ahead = fields.Integer()
    daily_cap = fields.Integer(allow_none=True)
    member_ids = fields.List(fields.String())
    active = fields.Boolean()


class BookingTypeList(Schema):
    items = fields.List(fields.Nested(BookingTypeSchema), required=True)


@booking_types_api.route("", methods=["GET"])
@booking_types_api.response(200, BookingTypeList)
def list_booking_types():
    """List the workspace's booking pages"""
    return {"items": booking.list_booking_types(api_actor())}


@booking_types_api.route("", methods=["POST"])
@booking_types_api.response(201, BookingTypeSchema)
@booking_types_api.doc(**json_body_doc(BookingTypeInput))
def create_booking_type():
    """Publish a booking page for the key's user (a team page lists `member_ids`)"""
    return booking.create_booking_type(json_body(), actor=api_actor())


@booking_types_api.route("/<uuid:booking_type_id>", methods=["GET"])
@booking_types_api.response(200, BookingTypeSchema)
def get_booking_type(booking_type_id):
    """Get a booking page"""
    return booking.get_booking_type(booking_type_id, api_actor())


@booking_types_api.route("/<uuid:booking_type_id>", methods=["PATCH"])
@booking_types_api.response(200, BookingTypeSchema)
@booking_types_api.doc(**json_body_doc(BookingTypeInput))
def update_booking_type(booking_type_id):
    """Change a booking page (only the fields sent)"""
    actor = api_actor()
    return booking.update_booking_type(booking.get_booking_type(booking_type_id, actor), json_body(), actor=actor)


@booking_types_api.route("/<uuid:booking_type_id>", methods=["DELETE"])
@booking_types_api.response(204)
def delete_booking_type(booking_type_id):
    """Delete a booking page (meetings booked through it stay)"""
    actor = api_actor()
    booking.delete_booking_type(booking.get_booking_type(booking_type_id, actor), actor=actor)
