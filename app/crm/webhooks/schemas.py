"""REST shapes of webhook subscriptions and deliveries."""

from marshmallow import Schema, fields, validate

from app.api.crud import SettingSchema
from app.api.inputs import InputSchema
from app.api.listing import UnsearchedListArguments, page_schema, sort_field
from app.crm.webhooks.services import DELIVERY_SORTS


class WebhookSubscriptionSchema(SettingSchema):
    name = fields.String(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True, metadata={"description": "Event names or patterns"})
    is_active = fields.Boolean(required=True)
    disabled_reason = fields.String(required=True, metadata={"description": "Why Atrium disabled it, if it did"})
    secret = fields.String(required=True, metadata={"description": "The HMAC-SHA256 signing secret"})
    last_delivery_at = fields.DateTime(allow_none=True, required=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class WebhookInput(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    url = fields.String(
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Public http(s) URL; private, loopback and metadata addresses are refused"},
    )
    event_types = fields.List(
        fields.String(validate=validate.Length(max=64)),
        validate=validate.Length(max=100),
        metadata={"description": "Event names (`contact.created`), `type.*` or `*`"},
    )
    is_active = fields.Boolean()


class WebhookCreate(WebhookInput):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    event_types = fields.List(fields.String(validate=validate.Length(max=64)), required=True)


class DeliverySchema(Schema):
    id = fields.UUID(required=True)
    subscription_id = fields.UUID(required=True)
    event_id = fields.UUID(allow_none=True, required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending (retrying), succeeded or dead"})
    attempts = fields.Integer(required=True)
    response_status = fields.Integer(allow_none=True, required=True)
    response_ms = fields.Integer(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)
    next_attempt_at = fields.DateTime(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    replay_of_id = fields.UUID(allow_none=True, required=True)
    payload = fields.Dict(required=True)


class DeliveryListArguments(UnsearchedListArguments):
    sort = sort_field(DELIVERY_SORTS, "-created_at")


WebhookPage = page_schema(WebhookSubscriptionSchema, "WebhookPageSchema")
DeliveryPage = page_schema(DeliverySchema, "WebhookDeliveryPageSchema")
