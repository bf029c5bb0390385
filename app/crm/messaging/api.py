"""REST v1 messaging: templates (with preview), messages (send one, list), campaigns (create,
start, cancel, results), conversations (read, reply) and the suppression list."""

from flask.views import MethodView
from sqlalchemy import select

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import page_body
from app.auth.permissions import check_permission
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.pagination import Sort, sorted_page
from app.crm.messaging import conversations, message_templates
from app.crm.messaging.campaigns import results as campaign_results
from app.crm.messaging.campaigns import services as campaign_services
from app.crm.messaging.consent import add_suppression, remove_suppression
from app.crm.messaging.models import Campaign, Message, MessageTemplate, Suppression
from app.crm.messaging.schemas import (
    CampaignCreate,
    CampaignInput,
    CampaignPage,
    CampaignSchema,
    ConversationDetail,
    ConversationPage,
    MessageListArguments,
    MessagePage,
    MessageSchema,
    PlainListArguments,
    PreviewArguments,
    PreviewSchema,
    ReplyInput,
    SendInput,
    SuppressionInput,
    SuppressionPage,
    SuppressionSchema,
    TemplateCreate,
    TemplateInput,
    TemplatePage,
    TemplateSchema,
)
from app.crm.messaging.sending import send_message


def _newest_page(stmt, model, args):
    sort = Sort("-created_at", model.created_at, True, "Newest first")
    return sorted_page(db.session, stmt, model, sort, args.get("cursor"), args.get("limit"))


def _json(data) -> dict:
    return {key: (str(value) if hasattr(value, "hex") else value) for key, value in data.items()}


# ---------------------------------------------------------------------------- templates

templates_blp = ApiBlueprint(
    "api_message_templates",
    __name__,
    url_prefix=f"{API_PREFIX}/message-templates",
    scope_object="message_templates",
    tag="message-templates",
    description="Email and SMS templates with personalization.",
)


@templates_blp.route("")
class Templates(MethodView):
    @templates_blp.arguments(PlainListArguments, location="query")
    @templates_blp.response(200, TemplatePage)
    def get(self, args):
        """List templates"""
        check_permission(api_actor(), "message_templates.view")
        return page_body(_newest_page(select(MessageTemplate), MessageTemplate, args))

    @templates_blp.arguments(TemplateCreate)
    @templates_blp.response(201, TemplateSchema)
    def post(self, data):
        """Create a template"""
        return message_templates.create_template(data, actor=api_actor())


@templates_blp.route("/<uuid:template_id>")
class TemplateItem(MethodView):
    @templates_blp.response(200, TemplateSchema)
    def get(self, template_id):
        """Get a template"""
        check_permission(api_actor(), "message_templates.view")
        return message_templates.get_template(template_id)

    @templates_blp.arguments(TemplateInput)
    @templates_blp.response(200, TemplateSchema)
    def patch(self, data, template_id):
        """Change a template"""
        return message_templates.update_template(message_templates.get_template(template_id), data, actor=api_actor())

    @templates_blp.response(204)
    def delete(self, template_id):
        """Delete a template (refused while campaigns use it)"""
        message_templates.delete_template(message_templates.get_template(template_id), actor=api_actor())


@templates_blp.route("/<uuid:template_id>/preview")
class TemplatePreview(MethodView):
    @templates_blp.arguments(PreviewArguments, location="query")
    @templates_blp.response(200, PreviewSchema)
    def get(self, args, template_id):
        """Render a template for a contact (with the SMS segment count)"""
        check_permission(api_actor(), "message_templates.view")
        content = message_templates.preview(message_templates.get_template(template_id), args.get("contact_id"))
        content.pop("contact", None)
        return content


# ---------------------------------------------------------------------------- messages

messages_blp = ApiBlueprint(
    "api_messages",
    __name__,
    url_prefix=f"{API_PREFIX}/messages",
    scope_object="messages",
    description="Emails and SMS to and from contacts: send one, follow its status.",
)


@messages_blp.route("")
class Messages(MethodView):
    @messages_blp.arguments(MessageListArguments, location="query")
    @messages_blp.response(200, MessagePage)
    def get(self, args):
        """List messages (newest first)"""
        check_permission(api_actor(), "messages.view")
        stmt = select(Message)
        if args.get("contact_id"):
            stmt = stmt.where(Message.contact_id == args["contact_id"])
        if args.get("channel"):
            stmt = stmt.where(Message.channel == args["channel"])
        return page_body(_newest_page(stmt, Message, args))

    @messages_blp.arguments(SendInput)
    @messages_blp.response(201, MessageSchema)
    def post(self, data):
        """Send one email or SMS to a contact (queued; consent and the plan's meter apply)"""
        return send_message(_json(data), actor=api_actor())


@messages_blp.route("/<uuid:message_id>")
class MessageItem(MethodView):
    @messages_blp.response(200, MessageSchema)
    def get(self, message_id):
        """Get a message and its status"""
        check_permission(api_actor(), "messages.view")
        return get_or_404(Message, message_id)


# ---------------------------------------------------------------------------- campaigns

campaigns_blp = ApiBlueprint(
    "api_campaigns",
    __name__,
    url_prefix=f"{API_PREFIX}/campaigns",
    scope_object="campaigns",
    description="Campaigns to a segment or list: now or scheduled, throttled, with results.",
)


def _with_stats(items):
    """The campaigns with their results, read for all of them at once."""
    stats = campaign_results.campaign_stats([item.id for item in items])
    for item in items:
        item.stats = stats[item.id]
    return items


def _campaign_body(campaign: Campaign) -> Campaign:
    return _with_stats([campaign])[0]


@campaigns_blp.route("")
class Campaigns(MethodView):
    @campaigns_blp.arguments(PlainListArguments, location="query")
    @campaigns_blp.response(200, CampaignPage)
    def get(self, args):
        """List campaigns with their results"""
        check_permission(api_actor(), "campaigns.view")
        page = _newest_page(select(Campaign), Campaign, args)
        _with_stats(page.items)
        return page_body(page)

    @campaigns_blp.arguments(CampaignCreate)
    @campaigns_blp.response(201, CampaignSchema)
    def post(self, data):
        """Create a draft campaign"""
        return _campaign_body(campaign_services.create_campaign(_json(data), actor=api_actor()))


@campaigns_blp.route("/<uuid:campaign_id>")
class CampaignItem(MethodView):
    @campaigns_blp.response(200, CampaignSchema)
    def get(self, campaign_id):
        """Get a campaign with its results"""
        check_permission(api_actor(), "campaigns.view")
        return _campaign_body(campaign_services.get_campaign(campaign_id))

    @campaigns_blp.arguments(CampaignInput)
    @campaigns_blp.response(200, CampaignSchema)
    def patch(self, data, campaign_id):
        """Change a draft campaign"""
        item = campaign_services.update_campaign(
            campaign_services.get_campaign(campaign_id), _json(data), actor=api_actor()
        )
        return _campaign_body(item)

    @campaigns_blp.response(204)
    def delete(self, campaign_id):
        """Delete a campaign that is not sending"""
        campaign_services.delete_campaign(campaign_services.get_campaign(campaign_id), actor=api_actor())


@campaigns_blp.route("/<uuid:campaign_id>/launch")
class CampaignLaunch(MethodView):
    @campaigns_blp.response(200, CampaignSchema)
    def post(self, campaign_id):
        """Start a draft: now, or at its scheduled time"""
        return _campaign_body(
            campaign_services.launch_campaign(campaign_services.get_campaign(campaign_id), actor=api_actor())
        )


@campaigns_blp.route("/<uuid:campaign_id>/cancel")
class CampaignCancel(MethodView):
    @campaigns_blp.response(200, CampaignSchema)
    def post(self, campaign_id):
        """Cancel a scheduled or sending campaign (what has not gone out stays unsent)"""
        item = campaign_services.get_campaign(campaign_id)
        campaign_services.cancel_campaign(item, actor=api_actor())
        return _campaign_body(item)


@campaigns_blp.route("/<uuid:campaign_id>/resume")
class CampaignResume(MethodView):
    @campaigns_blp.response(200, CampaignSchema)
    def post(self, campaign_id):
        """Resume a campaign waiting for the plan's allowance (after an upgrade)"""
        return _campaign_body(
            campaign_services.resume_campaign(campaign_services.get_campaign(campaign_id), actor=api_actor())
        )


# ---------------------------------------------------------------------------- conversations

conversations_blp = ApiBlueprint(
    "api_conversations",
    __name__,
    url_prefix=f"{API_PREFIX}/conversations",
    scope_object="messages",
    description="Two-way SMS threads, with unread counts.",
)


@conversations_blp.route("")
class Conversations(MethodView):
    @conversations_blp.arguments(PlainListArguments, location="query")
    @conversations_blp.response(200, ConversationPage)
    def get(self, args):
        """List open conversations, latest first"""
        check_permission(api_actor(), "messages.view")
        return page_body(conversations.list_conversations(cursor=args.get("cursor"), limit=args.get("limit")))


@conversations_blp.route("/<uuid:conversation_id>")
class ConversationItem(MethodView):
    @conversations_blp.response(200, ConversationDetail)
    def get(self, conversation_id):
        """Get a conversation with its messages"""
        check_permission(api_actor(), "messages.view")
        item = conversations.get_conversation(conversation_id)
        item.messages = conversations.thread(item)
        return item


@conversations_blp.route("/<uuid:conversation_id>/reply")
class ConversationReply(MethodView):
    @conversations_blp.arguments(ReplyInput)
    @conversations_blp.response(201, MessageSchema)
    def post(self, data, conversation_id):
        """Reply by SMS"""
        return conversations.reply(
            conversations.get_conversation(conversation_id), data.get("body", ""), actor=api_actor()
        )


# ---------------------------------------------------------------------------- suppression list

suppressions_blp = ApiBlueprint(
    "api_suppressions",
    __name__,
    url_prefix=f"{API_PREFIX}/suppressions",
    scope_object="suppressions",
    description="Addresses nothing is sent to (bounces, spam reports, unsubscribes, STOP).",
)


@suppressions_blp.route("")
class Suppressions(MethodView):
    @suppressions_blp.arguments(PlainListArguments, location="query")
    @suppressions_blp.response(200, SuppressionPage)
    def get(self, args):
        """List suppressed addresses"""
        check_permission(api_actor(), "suppressions.view")
        return page_body(_newest_page(select(Suppression), Suppression, args))

    @suppressions_blp.arguments(SuppressionInput)
    @suppressions_blp.response(201, SuppressionSchema)
    def post(self, data):
        """Suppress an address"""
        return add_suppression(data, actor=api_actor())


@suppressions_blp.route("/<uuid:suppression_id>")
class SuppressionItem(MethodView):
    @suppressions_blp.response(204)
    def delete(self, suppression_id):
        """Lift a suppression (consent still applies)"""
        remove_suppression(get_or_404(Suppression, suppression_id), actor=api_actor())


MESSAGING_RESOURCES = [templates_blp, messages_blp, campaigns_blp, conversations_blp, suppressions_blp]
