"""The dev mailbox: what the `console` provider would have sent (development only)."""

from flask import abort, current_app, render_template
from sqlalchemy import select

from app.core.context import platform_scope
from app.core.extensions import db
from app.core.hosts import ApexBlueprint
from app.messaging.models import DevMailboxMessage

bp = ApexBlueprint("mailbox", __name__)


@bp.before_request
def only_in_development():
    if not current_app.config.get("DEV_MAILBOX_ENABLED") or current_app.config.get("SENDGRID_API_KEY"):
        abort(404)


@bp.route("/dev/mailbox")
def index():
    with platform_scope():
        messages = db.session.scalars(
            select(DevMailboxMessage).order_by(DevMailboxMessage.created_at.desc()).limit(200)
        ).all()
    return render_template("messaging/mailbox.html", messages=messages)


@bp.route("/dev/mailbox/<uuid:message_id>")
def show(message_id):
    with platform_scope():
        message = db.session.get(DevMailboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("messaging/mailbox_message.html", message=message)
