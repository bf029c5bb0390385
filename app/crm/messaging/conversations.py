"""The SMS inbox: open conversations with unread counts, a thread, reading and replying."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.auth.permissions import check_permission
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.pagination import Sort, sorted_page
from app.core.types import utcnow
from app.crm.messaging.models import Channel, Conversation, Message
from app.crm.messaging.sending import send_message

SORT = Sort("-last_message_at", Conversation.last_message_at, True, "Latest first")


def list_conversations(*, open_only: bool = True, cursor=None, limit: int = 50):
    stmt = select(Conversation).options(selectinload(Conversation.contact))
    if open_only:
        stmt = stmt.where(Conversation.is_open.is_(True))
    return sorted_page(db.session, stmt, Conversation, SORT, cursor, limit)


def unread_total() -> int:
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(Conversation.unread_count), 0)).where(Conversation.is_open.is_(True))
        )
        or 0
    )


def get_conversation(conversation_id) -> Conversation:
    return get_or_404(Conversation, conversation_id)


def thread(conversation: Conversation, limit: int = 200) -> list[Message]:
    """The SMS to and from this number, oldest first (the latest `limit`)."""
    number = conversation.phone
    stmt = select(Message).where(
        Message.channel == Channel.SMS,
        ((Message.direction == "inbound") & (Message.from_address == number))
        | ((Message.direction == "outbound") & (Message.to_address == number)),
    )
    newest = list(db.session.scalars(stmt.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)))
    return newest[::-1]


def mark_read(conversation: Conversation, *, actor) -> None:
    check_permission(actor, "messages.view")
    if conversation.unread_count:
        conversation.unread_count = 0
        db.session.execute(
            update(Message)
            .where(
                Message.direction == "inbound", Message.from_address == conversation.phone, Message.read_at.is_(None)
            )
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def set_open(conversation: Conversation, is_open: bool, *, actor) -> None:
    check_permission(actor, "messages.create")
    conversation.is_open = is_open


def reply(conversation: Conversation, body: str, *, actor) -> Message:
    if not (body or "").strip():
        raise ValidationFailed("Write the reply.", details={"body": ["Write the reply."]})
    if conversation.contact_id is None:
        raise ValidationFailed(
            "This number is not a contact yet.", details={"body": ["Add the number to a contact to reply."]}
        )
    message = send_message(
        {"channel": Channel.SMS, "contact_id": str(conversation.contact_id), "body": body}, actor=actor
    )
    conversation.last_message_at = utcnow()
    conversation.last_preview = message.body_text[:160]
    return message
