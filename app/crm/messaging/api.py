"""REST v1 messaging: templates (with preview), messages (send one, list), campaigns (create,
start, cancel, results), conversations (read, reply, close, reopen) and the suppression list."""

from collections.abc import Callable
from dataclasses import dataclass

from flask.views import MethodView
from marshmallow import Schema
from sqlalchemy import select

from app.api.blueprint import ApiBlueprint, created_at, resource_blueprint
from app.api.gate import api_actor
from app.api.listing import PlainListArguments, UnsearchedListArguments
from app.auth.permissions import check_permission
from app.core.lookups import get_or_404
from app.core.newest_first import newest_first_page
from app.crm.messaging import conversations, message_templates
from app.crm.messaging.campaigns import results as campaign_results
from app.crm.messaging.campaigns import services as campaign_services
from app.crm.messaging.consent import add_suppression, remove_suppression
from app.crm.messaging.models import Campaign, Message, MessageTemplate, Suppression
from app.crm.messaging.schemas import (
    CampaignCreate,
    CampaignInput,
    CampaignPage,
    CampaignRecipientArguments,
    CampaignSchema,
    ConversationDetail,
    ConversationPage,
    ConversationSchema,
    MessageListArguments,
    MessagePage,
    MessageSchema,
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
from app.records.search import contains_text


def _json(data) -> dict:
    return {key: (str(value) if hasattr(value, "hex") else value) for key, value in data.items()}


@dataclass(frozen=True)
class _NewestFirstList:
    """A collection's GET: a page of `model` rows, newest first, once `permission` is checked.
    `q` keeps the rows whose `searched` columns hold it; each of `filters` given in the query
    keeps the rows with that value; `with_items` adds to the page's rows before they are answered."""

    model: type
    page: type[Schema]
    permission: str
    summary: str
    searched: tuple[str, ...]
    arguments: type[Schema] = PlainListArguments
    filters: tuple[str, ...] = ()
    with_items: Callable | None = None


@dataclass(frozen=True)
class _Create:
    """A collection's POST: `create(data, actor=…)`, answered with a 201 in the `item` schema."""

    create: Callable
    input: type[Schema]
    item: type[Schema]
    summary: str


def _add_collection(blp: ApiBlueprint, endpoint: str, listing: _NewestFirstList, creating: _Create) -> None:
    """Route `""` of `blp`, under `endpoint`: its list and its create."""

    class Collection(MethodView):
        @blp.paged(listing.arguments, listing.page)
        @blp.doc(summary=listing.summary)
        def get(self, args):
            check_permission(api_actor(), listing.permission)
            model = listing.model
            stmt = select(model)
            if args.get("q"):
                stmt = stmt.where(contains_text([getattr(model, name) for name in listing.searched], args["q"]))
            for key in listing.filters:
                if args.get(key):
                    stmt = stmt.where(getattr(model, key) == args[key])
            page = newest_first_page(stmt, by=model.created_at, cursor=args.get("cursor"), limit=args["limit"])
            if listing.with_items is not None:
                listing.with_items(page.items)
            return page

        @blp.arguments(creating.input)
        @blp.response(201, creating.item)
        @blp.doc(summary=creating.summary)
        def post(self, data):
            return creating.create(data, actor=api_actor())

    blp.route("", endpoint=endpoint)(Collection)


# ---------------------------------------------------------------------------- templates

templates_blp = resource_blueprint(
    "message-templates",
    __name__,
    scope_object="message_templates",
    tag="message-templates",
    description="Email and SMS templates with personalization.",
)

_add_collection(
    templates_blp,
    "Templates",
    _NewestFirstList(
        MessageTemplate, TemplatePage, "message_templates.view", "List templates", searched=("name", "subject")
    ),
    _Create(message_templates.create_template, TemplateCreate, TemplateSchema, "Create a template"),
)


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

messages_blp = resource_blueprint(
    "messages",
    __name__,
    scope_object="messages",
    description="Emails and SMS to and from contacts: send one, follow its status.",
)


def _send_message(data, *, actor) -> Message:
    return send_message(_json(data), actor=actor)


_add_collection(
    messages_blp,
    "Messages",
    _NewestFirstList(
        Message,
        MessagePage,
        "messages.view",
        "List messages (newest first)",
        searched=("to_address", "subject"),
        arguments=MessageListArguments,
        filters=("contact_id", "channel"),
    ),
    _Create(
        _send_message,
        SendInput,
        MessageSchema,
        "Send one email or SMS to a contact (queued; consent and the plan's meter apply)",
    ),
)


@messages_blp.route("/<uuid:message_id>")
class MessageItem(MethodView):
    @messages_blp.response(200, MessageSchema)
    def get(self, message_id):
        """Get a message and its status"""
        check_permission(api_actor(), "messages.view")
        return get_or_404(Message, message_id)


# ---------------------------------------------------------------------------- campaigns

campaigns_blp = resource_blueprint(
    "campaigns",
    __name__,
    scope_object="campaigns",
    description="Campaigns to a segment or list: now or scheduled, throttled, with results.",
)


def _with_stats(items):
    """The campaigns with their results, read for all of them at once."""
    stats = campaign_results.campaign_stats([item.id for item in items])
    for item in items:
        item.stats = campaign_results.channel_stats(stats[item.id], item.channel)
    return items


def _campaign_body(campaign: Campaign) -> Campaign:
    return _with_stats([campaign])[0]


def _create_campaign(data, *, actor) -> Campaign:
    return _campaign_body(campaign_services.create_campaign(_json(data), actor=actor))


_add_collection(
    campaigns_blp,
    "Campaigns",
    _NewestFirstList(
        Campaign,
        CampaignPage,
        "campaigns.view",
        "List campaigns with their results",
        searched=("name",),
        with_items=_with_stats,
    ),
    _Create(_create_campaign, CampaignCreate, CampaignSchema, "Create a draft campaign"),
)


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


@campaigns_blp.route("/<uuid:campaign_id>/recipients")
@campaigns_blp.paged(CampaignRecipientArguments, MessagePage)
def list_campaign_recipients(args, campaign_id):
    """List a campaign's recipients (its messages): all, or those one of its numbers counts"""
    check_permission(api_actor(), "campaigns.view")
    return campaign_results.campaign_messages(
        campaign_services.get_campaign(campaign_id),
        outcome=args.get("outcome"),
        cursor=args.get("cursor"),
        limit=args["limit"],
    )


def _add_campaign_action(path: str, endpoint: str, action: Callable, summary: str) -> None:
    """POST /campaigns/<id>/<path>: `action` on the campaign, answered with the campaign and its
    results."""

    class Action(MethodView):
        @campaigns_blp.response(200, CampaignSchema)
        @campaigns_blp.doc(summary=summary)
        def post(self, campaign_id):
            item = campaign_services.get_campaign(campaign_id)
            action(item, actor=api_actor())
            return _campaign_body(item)

    campaigns_blp.route(f"/<uuid:campaign_id>/{path}", endpoint=endpoint)(Action)


_add_campaign_action(
    "launch", "CampaignLaunch", campaign_services.launch_campaign, "Start a draft: now, or at its scheduled time"
)
_add_campaign_action(
    "cancel",
    "CampaignCancel",
    campaign_services.cancel_campaign,
    "Cancel a scheduled or sending campaign (what has not gone out stays unsent)",
)
_add_campaign_action(
    "resume",
    "CampaignResume",
    campaign_services.resume_campaign,
    "Resume a campaign waiting for the plan's allowance (after an upgrade)",
)


# ---------------------------------------------------------------------------- conversations

conversations_blp = resource_blueprint(
    "conversations",
    __name__,
    scope_object="messages",
    description="Two-way SMS threads, with unread counts.",
)


@conversations_blp.route("")
class Conversations(MethodView):
    @conversations_blp.paged(UnsearchedListArguments, ConversationPage)
    def get(self, args):
        """List open conversations, latest first"""
        check_permission(api_actor(), "messages.view")
        return conversations.list_conversations(cursor=args.get("cursor"), limit=args.get("limit"))


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
        message = conversations.reply(
            conversations.get_conversation(conversation_id), data.get("body", ""), actor=api_actor()
        )
        return created_at(message, f"messages/{message.id}")


@conversations_blp.route("/<uuid:conversation_id>/close", methods=["POST"])
@conversations_blp.response(200, ConversationSchema)
def close_conversation(conversation_id):
    """Close a conversation: it leaves the list of open ones until a text comes in or is sent"""
    return _set_open(conversation_id, False)


@conversations_blp.route("/<uuid:conversation_id>/reopen", methods=["POST"])
@conversations_blp.response(200, ConversationSchema)
def reopen_conversation(conversation_id):
    """Reopen a closed conversation: it is back in the list of open ones"""
    return _set_open(conversation_id, True)


def _set_open(conversation_id, is_open: bool):
    # The inbox page's close and reopen, through the same service and permission.
    item = conversations.get_conversation(conversation_id)
    conversations.set_open(item, is_open, actor=api_actor())
    return item


# ---------------------------------------------------------------------------- suppression list

suppressions_blp = resource_blueprint(
    "suppressions",
    __name__,
    scope_object="suppressions",
    description="Addresses nothing is sent to (bounces, spam reports, unsubscribes, STOP).",
)

_add_collection(
    suppressions_blp,
    "Suppressions",
    _NewestFirstList(
        Suppression, SuppressionPage, "suppressions.view", "List suppressed addresses", searched=("address",)
    ),
    _Create(add_suppression, SuppressionInput, SuppressionSchema, "Suppress an address"),
)


@suppressions_blp.route("/<uuid:suppression_id>")
class SuppressionItem(MethodView):
    @suppressions_blp.response(204)
    def delete(self, suppression_id):
        """Lift a suppression (consent still applies)"""
        remove_suppression(get_or_404(Suppression, suppression_id), actor=api_actor())


MESSAGING_RESOURCES = [templates_blp, messages_blp, campaigns_blp, conversations_blp, suppressions_blp]
