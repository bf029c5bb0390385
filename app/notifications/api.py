"""REST v1 notifications: the key's user's own notifications, marking them read, and their
delivery choices (scope `notifications:read` / `notifications:write`)."""

from marshmallow import Schema, fields, validate

from app.api.blueprint import resource_blueprint
from app.api.gate import api_actor
from app.api.inputs import InputSchema
from app.api.listing import PageArguments, page_limit, page_schema
from app.auth.permissions import acting_user
from app.notifications import services
from app.notifications.models import Channel, NotificationKind
from app.records.api import json_body, json_body_doc

blp = resource_blueprint(
    "notifications",
    __name__,
    scope_object="notifications",
    description="The notifications of the user an API key acts for: tasks assigned, reminders, "
    "records assigned, mentions.",
)


class NotificationSchema(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(NotificationKind.ALL))
    title = fields.String(required=True)
    body = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "A path on this workspace's host"})
    record_id = fields.UUID(required=True, allow_none=True)
    read_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


NotificationPage = page_schema(NotificationSchema, "NotificationPageSchema")


class NotificationListArguments(PageArguments):
    limit = page_limit(default=services.PAGE_SIZE)  # the page the bell's list shows
    unread = fields.Boolean(metadata={"description": "Only unread ones"})


class MarkedSchema(Schema):
    marked = fields.Integer(required=True)


PreferencesSchema = Schema.from_dict(
    {kind: fields.String(required=True, validate=validate.OneOf(Channel.ALL)) for kind in NotificationKind.ALL},
    name="NotificationPreferencesSchema",
)
PreferencesInput = type(
    "NotificationPreferencesInput",
    (InputSchema,),
    {kind: fields.String(validate=validate.OneOf(Channel.ALL)) for kind in NotificationKind.ALL},
)


def _user():
    return acting_user(api_actor())


@blp.route("")
@blp.paged(NotificationListArguments, NotificationPage)
def list_notifications(args):
    """List your notifications, newest first"""
    return services.list_notifications(
        _user(), unread_only=bool(args.get("unread")), cursor=args.get("cursor"), limit=args["limit"]
    )


@blp.route("/<uuid:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
def mark_read(notification_id):
    """Mark one notification read"""
    return services.mark_read(services.get_notification(notification_id, _user()))


@blp.route("/read-all", methods=["POST"])
@blp.response(200, MarkedSchema)
def mark_all_read():
    """Mark every unread notification read"""
    return {"marked": services.mark_all_read(_user())}


@blp.route("/preferences", methods=["GET"])
@blp.response(200, PreferencesSchema)
def get_preferences():
    """How you receive each kind: in_app, email, both or none"""
    return services.preferences_of(_user())


@blp.route("/preferences", methods=["PATCH"])
@blp.response(200, PreferencesSchema)
@blp.doc(**json_body_doc(PreferencesInput))
def set_preferences():
    """Change how you receive some kinds"""
    return services.save_preferences(_user(), json_body())
