"""REST shapes of messaging: templates, messages, campaigns (with results), conversations,
the suppression list."""

from marshmallow import Schema, fields, validate

from app.api.inputs import InputSchema
from app.api.listing import PlainListArguments, UnsearchedListArguments, page_schema
from app.crm.messaging.campaigns.results import OUTCOMES
from app.crm.messaging.models import CampaignStatus, Channel, MessageStatus

CHANNELS = validate.OneOf(list(Channel.LABELS))


class TemplateSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    name = fields.String(required=True)
    channel = fields.String(required=True, metadata={"enum": list(Channel.LABELS)})
    subject = fields.String(required=True)
    text_body = fields.String(required=True)
    html_body = fields.String(required=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class TemplateInput(InputSchema):
    name = fields.String(validate=validate.Length(max=120))
    subject = fields.String(validate=validate.Length(max=255))
    text_body = fields.String(
        validate=validate.Length(max=100_000),
        metadata={"description": "Jinja: {{ contact.first_name|default('there') }}"},
    )
    html_body = fields.String(validate=validate.Length(max=100_000))


class TemplateCreate(TemplateInput):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    channel = fields.String(required=True, validate=CHANNELS)


class PreviewArguments(InputSchema):
    contact_id = fields.UUID(metadata={"description": "Render for this contact (a sample person otherwise)"})


class PreviewSchema(Schema):
    channel = fields.String(required=True)
    subject = fields.String(required=True)
    text = fields.String(required=True)
    html = fields.String(required=True)
    segments = fields.Dict(allow_none=True, metadata={"description": "SMS: segments, characters, encoding"})


class MessageSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    channel = fields.String(required=True)
    direction = fields.String(required=True)
    contact_id = fields.UUID(allow_none=True)
    campaign_id = fields.UUID(allow_none=True)
    template_id = fields.UUID(allow_none=True)
    to_address = fields.String(required=True)
    from_address = fields.String(required=True)
    subject = fields.String(required=True)
    body_text = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(MessageStatus.LABELS)})
    status_reason = fields.String(required=True)
    segments = fields.Integer(required=True)
    send_after = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    opened_at = fields.DateTime(allow_none=True)
    clicked_at = fields.DateTime(allow_none=True)
    bounced_at = fields.DateTime(allow_none=True)
    unsubscribed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(dump_only=True, required=True)


class SendInput(InputSchema):
    channel = fields.String(required=True, validate=CHANNELS)
    contact_id = fields.UUID(required=True)
    template_id = fields.UUID()
    subject = fields.String(validate=validate.Length(max=255))
    body = fields.String(validate=validate.Length(max=100_000))
    html = fields.String(validate=validate.Length(max=100_000))


class MessageListArguments(PlainListArguments):
    contact_id = fields.UUID()
    channel = fields.String(validate=CHANNELS)


class CampaignRecipientArguments(UnsearchedListArguments):
    outcome = fields.String(
        validate=validate.OneOf(tuple(OUTCOMES)),
        metadata={
            "description": "Only the recipients one of the campaign's numbers counts (`opened` includes `clicked`)"
        },
    )


# An SMS has no open pixel and its links are not rewritten: its opens and clicks are unknown.
NOT_TRACKED_ON_SMS = {"description": "null for an SMS campaign: its opens and clicks are not tracked"}


class CampaignStatsSchema(Schema):
    recipients = fields.Integer()
    sent = fields.Integer()
    delivered = fields.Integer()
    opened = fields.Integer(allow_none=True, metadata=NOT_TRACKED_ON_SMS)
    clicked = fields.Integer(allow_none=True, metadata=NOT_TRACKED_ON_SMS)
    bounced = fields.Integer()
    unsubscribed = fields.Integer()
    failed = fields.Integer()
    waiting = fields.Integer()
    queued = fields.Integer()
    blocked = fields.Integer()
    canceled = fields.Integer()
    progress = fields.Integer(metadata={"description": "Percent of recipients handled"})
    open_rate = fields.Float(allow_none=True, metadata=NOT_TRACKED_ON_SMS)
    click_rate = fields.Float(allow_none=True, metadata=NOT_TRACKED_ON_SMS)


class CampaignSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    name = fields.String(required=True)
    channel = fields.String(required=True)
    template_id = fields.UUID(required=True)
    audience_kind = fields.String(required=True)
    audience_ref = fields.String(required=True)
    audience_label = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(CampaignStatus.LABELS)})
    waiting_reason = fields.String(required=True)
    scheduled_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    throttle_per_minute = fields.Integer(required=True)
    stats = fields.Nested(CampaignStatsSchema)
    created_at = fields.DateTime(dump_only=True, required=True)


class CampaignInput(InputSchema):
    name = fields.String(validate=validate.Length(max=120))
    template_id = fields.UUID()
    audience = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "kind:ref — tag:<tag id>, saved_view:<view id>, segment:<segment id>"},
    )
    scheduled_at = fields.DateTime(allow_none=True)
    throttle_per_minute = fields.Integer(validate=validate.Range(min=1, max=100_000))


class CampaignCreate(CampaignInput):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    template_id = fields.UUID(required=True)
    audience = fields.String(required=True, validate=validate.Length(max=100))


class ConversationSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    contact_id = fields.UUID(allow_none=True)
    phone = fields.String(required=True)
    is_open = fields.Boolean(required=True)
    unread_count = fields.Integer(required=True)
    last_message_at = fields.DateTime(required=True)
    last_preview = fields.String(required=True)


class ConversationDetail(ConversationSchema):
    messages = fields.List(fields.Nested(MessageSchema))


class ReplyInput(InputSchema):
    # Checked by the service after the conversation is found: another tenant's is a 404 first.
    body = fields.String(validate=validate.Length(max=1_600), metadata={"description": "Required"})


class SuppressionSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    channel = fields.String(required=True)
    address = fields.String(required=True)
    reason = fields.String(required=True)
    detail = fields.String(required=True)
    created_at = fields.DateTime(dump_only=True, required=True)


class SuppressionInput(InputSchema):
    channel = fields.String(required=True, validate=CHANNELS)
    address = fields.String(required=True, validate=validate.Length(min=1, max=254))
    detail = fields.String(validate=validate.Length(max=300))


MessagePage = page_schema(MessageSchema, "MessagePageSchema")
ConversationPage = page_schema(ConversationSchema, "ConversationPageSchema")
SuppressionPage = page_schema(SuppressionSchema, "SuppressionPageSchema")
CampaignPage = page_schema(CampaignSchema, "CampaignPageSchema")
TemplatePage = page_schema(TemplateSchema, "MessageTemplatePageSchema")
