"""The team's messaging pages: templates, campaigns, the SMS inbox, settings and the
suppression list, and sending one message from a record page."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.permissions import can, requires_permission
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.forms import delete_and_redirect, save_form
from app.core.htmx import is_htmx
from app.core.ids import parse_uuid
from app.core.lookups import get_or_404
from app.core.navigation import NavItem, register_nav_item
from app.core.transactions import undone_if_refused
from app.crm.messaging import conversations, message_templates
from app.crm.messaging.consent import SuppressionReason, remove_suppression, shown_address
from app.crm.messaging.consent import add_suppression as suppress_address  # the view takes the name
from app.crm.messaging.forms import (
    NumberContactForm,
    NumberOwnerForm,
    ReplyForm,
    SendForm,
    SettingsForm,
    SuppressionForm,
    TemplateForm,
)
from app.crm.messaging.models import Channel, MessageStatus, Suppression
from app.crm.messaging.record_pages import RECIPIENTS, messages_tab, recipient_of
from app.crm.messaging.sending import get_settings, send_message, update_settings
from app.crm.messaging.templating import MERGE_FIELDS
from app.crm.messaging.views import bp
from app.records.forms import ConfirmForm
from app.records.registry import find_record_type
from app.records.services import get_record

register_nav_item(
    NavItem("Campaigns", "messaging.campaigns", "megaphone", "campaigns.view", group="marketing", order=40)
)
register_nav_item(
    NavItem(
        "Inbox",
        "messaging.inbox",
        "chat-dots",
        "messages.view",
        order=41,
        badge=("messaging.unread_badge", "inbox-changed"),
    )
)
register_nav_item(
    NavItem("Message templates", "messaging.templates", "file-earmark-text", "message_templates.view", "settings")
)
register_nav_item(NavItem("Messaging", "messaging.settings", "send", "settings.manage", "settings"))


# ---------------------------------------------------------------------------- one-to-one


@bp.route("/messages/send/<kind>/<uuid:record_id>", methods=["POST"])
@requires_permission("messages.create")
def send(kind, record_id):
    """One email or SMS from a record's Messages tab; HTMX gets the tab back, with what was typed
    and why when it is refused."""
    record_type = find_record_type(kind)
    if record_type is None or kind not in RECIPIENTS:
        abort(404)
    record = get_record(record_type, record_id, actor=current_user)
    back = url_for(f"{record_type.plural}.show", tab="messages", **{record_type.id_arg: record.id})
    contact = recipient_of(record_type, record)
    form = SendForm()
    source = (record_type, record) if record_type.name != "contact" else None
    try:
        if not form.validate_on_submit():
            raise ValidationFailed("Check the message.", details=form.errors)
        with undone_if_refused():
            message = send_message(form.to_data(contact.id if contact else None), actor=current_user, source=source)
    except ValidationFailed as exc:
        if is_htmx():
            errors = exc.details or {"_": [exc.message]}
            return _messages_tab(record_type, record, errors=errors, submitted=request.form), 422
        flash(exc.one_line(), "danger")
        return redirect(back)
    note = " It goes out when quiet hours end." if message.send_after else ""
    to = shown_address(message.channel, message.to_address)
    sent = f"{Channel.LABELS[message.channel]} to {to} queued.{note}"
    if is_htmx():
        return _messages_tab(record_type, record, sent=sent)
    flash(sent, "success")
    return redirect(back)


def _messages_tab(record_type, record, **extra):
    return render_template("crm/messaging/_record_messages.html", **messages_tab(record_type, record), **extra)


# ---------------------------------------------------------------------------- templates


@bp.route("/messaging/templates")
@requires_permission("message_templates.view")
def templates():
    return render_template(
        "crm/messaging/templates_index.html",
        templates=message_templates.list_templates(),
        channel_labels=Channel.LABELS,
    )


def _template_form_page(form, template=None, status=200):
    return render_template(
        "crm/messaging/template_form.html",
        form=form,
        template=template,
        merge_fields=MERGE_FIELDS,
        confirm_form=ConfirmForm(),
        can_edit=can(current_user, "message_templates.edit"),
        can_delete=can(current_user, "message_templates.delete"),
    ), status


@bp.route("/messaging/templates/new", methods=["GET", "POST"])
@requires_permission("message_templates.create")
def new_template():
    form = TemplateForm(channel=request.args.get("channel", Channel.EMAIL))
    template = save_form(
        form, lambda: message_templates.create_template(form.to_data(creating=True), actor=current_user)
    )
    if template is None:
        return _template_form_page(form, status=422 if request.method == "POST" else 200)
    flash(f"Template “{template.name}” saved.", "success")
    return redirect(url_for("messaging.edit_template", template_id=template.id))


@bp.route("/messaging/templates/<uuid:template_id>", methods=["GET", "POST"])
@requires_permission("message_templates.view")
def edit_template(template_id):
    template = message_templates.get_template(template_id)
    form = TemplateForm(obj=template)
    if request.method == "POST" and not can(current_user, "message_templates.edit"):
        abort(403)
    saved = save_form(
        form, lambda: message_templates.update_template(template, form.to_data(creating=False), actor=current_user)
    )
    if saved is None:
        return _template_form_page(form, template, status=422 if request.method == "POST" else 200)
    flash("Template saved.", "success")
    return redirect(url_for("messaging.edit_template", template_id=template.id))


@bp.route("/messaging/templates/<uuid:template_id>/delete", methods=["POST"])
@requires_permission("message_templates.delete")
def delete_template(template_id):
    return delete_and_redirect(
        message_templates.get_template(template_id),
        message_templates.delete_template,
        "Template “{name}” deleted.",
        url_for("messaging.templates"),
        refused_to=url_for("messaging.edit_template", template_id=template_id),
    )


@bp.route("/messaging/templates/<uuid:template_id>/preview")
@requires_permission("message_templates.view")
def preview_template(template_id):
    template = message_templates.get_template(template_id)
    try:
        content = message_templates.preview(template, request.args.get("contact_id") or None)
    except ValidationFailed as exc:
        return render_template("crm/messaging/_preview.html", error=exc.message, details=exc.details), 422
    return render_template("crm/messaging/_preview.html", content=content, template=template)


@bp.route("/messaging/templates/<uuid:template_id>/test", methods=["POST"])
@requires_permission("message_templates.edit")
def test_template(template_id):
    template = message_templates.get_template(template_id)
    try:
        address = message_templates.send_test(
            template, actor=current_user, contact_id=request.form.get("contact_id") or None
        )
    except ValidationFailed as exc:
        flash(exc.one_line(), "danger")
    else:
        flash(f"Test email sent to {address}.", "success")
    return redirect(url_for("messaging.edit_template", template_id=template.id))


# ---------------------------------------------------------------------------- inbox


@bp.route("/inbox")
@requires_permission("messages.view")
def inbox():
    show_all = request.args.get("all") == "1"
    page = conversations.list_conversations(open_only=not show_all, cursor=request.args.get("cursor"))
    return render_template("crm/messaging/inbox.html", page=page, show_all=show_all)


@bp.route("/inbox/unread-badge")
@requires_permission("messages.view")
def unread_badge():
    """The top bar's count of texts nobody has read in open conversations (HTMX, after the page loads)."""
    return render_template("crm/messaging/_unread_badge.html", count=conversations.unread_total())


@bp.route("/inbox/<uuid:conversation_id>", methods=["GET", "POST"])
@requires_permission("messages.view")
def conversation(conversation_id):
    item = conversations.get_conversation(conversation_id)
    form = ReplyForm()
    if request.method != "POST":
        conversations.mark_read(item, actor=current_user)
        return _conversation_page(item, reply_form=form)
    if not can(current_user, "messages.create"):
        abort(403)
    if save_form(form, lambda: conversations.reply(item, form.body.data, actor=current_user)) is None:
        return _conversation_page(item, reply_form=form, status=422)
    flash("Reply queued.", "success")
    return redirect(url_for("messaging.conversation", conversation_id=item.id))


def _conversation_page(item, *, reply_form=None, contact_form=None, owner_form=None, status=200):
    return render_template(
        "crm/messaging/conversation.html",
        conversation=item,
        messages=conversations.thread(item),
        form=reply_form or ReplyForm(formdata=None),
        contact_form=contact_form or NumberContactForm(formdata=None),
        owner_form=owner_form or NumberOwnerForm(formdata=None),
        can_reply=can(current_user, "messages.create") and item.contact_id is not None,
        status_labels=MessageStatus.LABELS,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/inbox/<uuid:conversation_id>/contact", methods=["POST"])
@requires_permission("contacts.create")
def create_number_contact(conversation_id):
    item = conversations.get_conversation(conversation_id)
    form = NumberContactForm()
    contact = save_form(form, lambda: conversations.create_contact_for(item, form.to_data(), actor=current_user))
    if contact is None:
        return _conversation_page(item, contact_form=form, status=422)
    flash(f"{contact.display_name} added to your contacts with this number.", "success")
    return redirect(url_for("messaging.conversation", conversation_id=item.id))


@bp.route("/inbox/<uuid:conversation_id>/owner", methods=["POST"])
@requires_permission("contacts.edit")
def add_number_to_contact(conversation_id):
    item = conversations.get_conversation(conversation_id)
    form = NumberOwnerForm()
    contact = save_form(
        form,
        lambda: conversations.add_number_to_contact(item, parse_uuid(form.contact_id.data), actor=current_user),
    )
    if contact is None:
        return _conversation_page(item, owner_form=form, status=422)
    flash(f"The number is now {contact.display_name}'s.", "success")
    return redirect(url_for("messaging.conversation", conversation_id=item.id))


def _set_open(conversation_id, is_open: bool, done: str):
    item = conversations.get_conversation(conversation_id)
    conversations.set_open(item, is_open, actor=current_user)
    flash(done, "success")
    # A closed thread leaves the inbox, so back to it; a reopened one shows itself.
    if is_open:
        return redirect(url_for("messaging.conversation", conversation_id=item.id))
    return redirect(url_for("messaging.inbox"))


@bp.route("/inbox/<uuid:conversation_id>/close", methods=["POST"])
@requires_permission("messages.create")
def close_conversation(conversation_id):
    return _set_open(conversation_id, False, "Conversation closed; a new message opens it again.")


@bp.route("/inbox/<uuid:conversation_id>/reopen", methods=["POST"])
@requires_permission("messages.create")
def reopen_conversation(conversation_id):
    return _set_open(conversation_id, True, "Conversation open again: it is back in the inbox.")


# ---------------------------------------------------------------------------- settings


def _settings_page(form=None, suppression_form=None, status=200):
    settings = get_settings()
    return render_template(
        "crm/messaging/settings.html",
        form=form
        or SettingsForm(
            obj=settings,
            formdata=None,
            quiet_hours_start=str(settings.quiet_hours_start),
            quiet_hours_end=str(settings.quiet_hours_end),
        ),
        suppression_form=suppression_form or SuppressionForm(formdata=None),
        suppressions=db.session.scalars(select(Suppression).order_by(Suppression.created_at.desc()).limit(200)).all(),
        reasons=SuppressionReason.LABELS,
        channel_labels=Channel.LABELS,
        can_suppress=can(current_user, "suppressions.edit"),
        confirm_form=ConfirmForm(),
        tenant=g.tenant,
    ), status


@bp.route("/settings/messaging", methods=["GET", "POST"])
@requires_permission("settings.manage")
def settings():
    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    if save_form(form, lambda: update_settings(form.to_data(), actor=current_user)) is None:
        return _settings_page(form, status=422)
    flash("Messaging settings saved.", "success")
    return redirect(url_for("messaging.settings"))


@bp.route("/settings/messaging/suppressions", methods=["POST"])
@requires_permission("suppressions.edit")
def add_suppression():
    form = SuppressionForm()
    row = save_form(form, lambda: suppress_address(form.to_data(), actor=current_user))
    if row is None:
        return _settings_page(suppression_form=form, status=422)
    flash(f"{shown_address(row.channel, row.address)} is on the suppression list.", "success")
    return redirect(url_for("messaging.settings"))


@bp.route("/settings/messaging/suppressions/<uuid:suppression_id>/delete", methods=["POST"])
@requires_permission("suppressions.edit")
def delete_suppression(suppression_id):
    row = get_or_404(Suppression, suppression_id)
    address = shown_address(row.channel, row.address)
    remove_suppression(row, actor=current_user)
    flash(f"{address} may receive messages again (with consent).", "success")
    return redirect(url_for("messaging.settings"))
