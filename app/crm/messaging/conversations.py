"""The SMS inbox: open conversations with unread counts, a thread, reading and replying, and
giving an unknown number its contact (a new one, or one the team already has)."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.auth.permissions import acting_user, check_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.first_rows import FirstRows, first_rows
from app.core.lookups import get_or_404
from app.core.newest_first import newest_first_page
from app.core.types import utcnow
from app.crm.activities.models import Activity, ActivityType, Direction
from app.crm.activities.services import link_to_timelines
from app.crm.contacts.models import Contact
from app.crm.contacts.record import CONTACTS
from app.crm.messaging.models import Channel, Conversation, Message, MessageStatus
from app.crm.messaging.sending import send_message
from app.notifications.services import mark_read_pointing_at, tenant_link
from app.records.services import create_record, get_record, update_record


def list_conversations(*, open_only: bool = True, cursor=None, limit: int = 50):
    stmt = select(Conversation).options(selectinload(Conversation.contact))
    if open_only:
        stmt = stmt.where(Conversation.is_open.is_(True))
    return newest_first_page(stmt, by=Conversation.last_message_at, cursor=cursor, limit=limit)


def unread_total() -> int:
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(Conversation.unread_count), 0)).where(Conversation.is_open.is_(True))
        )
        or 0
    )


def waiting_for_reply(limit: int = 5) -> FirstRows:
    """Open conversations with texts nobody has read, the longest waiting first ("my day")."""
    return first_rows(
        select(Conversation)
        .options(selectinload(Conversation.contact))
        .where(Conversation.is_open.is_(True), Conversation.unread_count > 0)
        .order_by(Conversation.last_message_at, Conversation.id),
        limit,
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
    # The reader's bell announced these texts ("SMS from …"): reading the thread reads those too.
    user = acting_user(actor)
    if user is not None:
        mark_read_pointing_at(user, tenant_link("messaging.conversation", conversation_id=conversation.id))
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
        {"channel": Channel.SMS, "contact_id": str(conversation.contact_id), "body": body},
        actor=actor,
        to_address=conversation.phone,
    )
    # A reply is news on the thread, as a text in is: a closed conversation is open again.
    conversation.is_open = True
    conversation.last_message_at = utcnow()
    conversation.last_preview = message.body_text[:160]
    return message


# ---------------------------------------------------------------------------- an unknown number


def create_contact_for(conversation: Conversation, data: dict, *, actor) -> Contact:
    """A new contact (`first_name`, `last_name`, `emails`) with the conversation's number as
    their mobile; the conversation and its texts become theirs."""
    check_permission(actor, "messages.view")
    _check_unknown(conversation)
    phones = [{"number": conversation.phone, "label": "mobile"}]
    contact = create_record(CONTACTS, {**data, "phones": phones}, actor=actor)
    _link(conversation, contact)
    return contact


def add_number_to_contact(conversation: Conversation, contact_id, *, actor) -> Contact:
    """The conversation's number added to a contact the team has (unless it has it already);
    the conversation and its texts become theirs."""
    check_permission(actor, "messages.view")
    _check_unknown(conversation)
    if not contact_id:
        raise ValidationFailed("Choose a contact.", details={"contact_id": ["Choose a contact."]})
    contact = get_record(CONTACTS, contact_id, actor=actor)
    numbers = [{"number": phone.number, "label": phone.label} for phone in contact.phones]
    if any(item["number"] == conversation.phone for item in numbers):
        check_permission(actor, CONTACTS.permission("edit"))
    else:
        update_record(CONTACTS, contact, {"phones": [*numbers, {"number": conversation.phone}]}, actor=actor)
    _link(conversation, contact)
    return contact


def _check_unknown(conversation: Conversation) -> None:
    if conversation.contact_id is not None:
        raise Conflict("This conversation already belongs to a contact.")


def _link(conversation: Conversation, contact: Contact) -> None:
    """The conversation, and the texts that came from its number before anyone knew it, are
    the contact's: on their timeline at the time they came in."""
    conversation.contact_id = contact.id
    earlier = db.session.scalars(
        select(Message)
        .where(
            Message.channel == Channel.SMS,
            Message.direction == "inbound",
            Message.from_address == conversation.phone,
            Message.contact_id.is_(None),
        )
        .order_by(Message.created_at, Message.id)
    )
    for message in earlier:
        message.contact_id = contact.id
        if message.activity_id is None:
            message.activity_id = log_inbound_sms(contact, message.body_text, occurred_at=message.created_at).id
    db.session.flush()


def log_inbound_sms(contact: Contact, body: str, *, occurred_at=None) -> Activity:
    """An inbound SMS on the contact's timeline (and its company's)."""
    activity = Activity(
        type=ActivityType.SMS,
        subject=body[:80] or "SMS",
        body=body,
        direction=Direction.INBOUND,
        outcome=MessageStatus.RECEIVED,
        record_id=contact.id,
        occurred_at=occurred_at or utcnow(),
    )
    db.session.add(activity)
    db.session.flush()
    link_to_timelines(activity, [(CONTACTS, contact)])
    return activity
