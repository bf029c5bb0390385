"""What messaging keeps about a contact, for the privacy tools: the messages sent to or
received from them, their SMS conversations and their consent history. `app/wiring.py`
registers these as the privacy package's export and erase hooks."""

from sqlalchemy import select, update

from app.core.extensions import db
from app.crm.messaging.models import ConsentChange, Conversation, Message


def export_messaging_data(record_type, record) -> dict:
    """Privacy export hook (contacts only)."""
    if record_type.name != "contact":
        return {}
    messages = db.session.scalars(
        select(Message).where(Message.contact_id == record.id).order_by(Message.created_at, Message.id)
    )
    conversations = db.session.scalars(select(Conversation).where(Conversation.contact_id == record.id))
    consents = db.session.scalars(
        select(ConsentChange).where(ConsentChange.contact_id == record.id).order_by(ConsentChange.occurred_at)
    )
    return {
        "messages": [
            {
                "channel": item.channel,
                "direction": item.direction,
                "to": item.to_address,
                "from": item.from_address,
                "subject": item.subject,
                "body_text": item.body_text,
                "status": item.status,
                "created_at": item.created_at,
                "sent_at": item.sent_at,
            }
            for item in messages
        ],
        "conversations": [
            {"phone": item.phone, "is_open": item.is_open, "last_message_at": item.last_message_at}
            for item in conversations
        ],
        "consent_changes": [
            {
                "channel": item.channel,
                "from": item.old_status,
                "to": item.new_status,
                "source": item.source,
                "detail": item.detail,
                "occurred_at": item.occurred_at,
            }
            for item in consents
        ],
    }


def erase_messaging_data(record_type, record) -> None:
    """Privacy erase hook: the contact's messages keep their channel, status and times (the
    campaign numbers hold) but lose their addresses and contents; their conversations lose
    the phone number (each gets a unique placeholder: a number is unique per workspace)."""
    if record_type.name != "contact":
        return
    db.session.execute(
        update(Message)
        .where(Message.contact_id == record.id)
        .values(to_address="", from_address="", subject="", body_text="", body_html="", status_reason="")
        .execution_options(synchronize_session=False)
    )
    for conversation in db.session.scalars(select(Conversation).where(Conversation.contact_id == record.id)):
        conversation.phone = f"erased-{conversation.id.hex[:12]}"
        conversation.last_preview = ""
    db.session.execute(
        update(ConsentChange)
        .where(ConsentChange.contact_id == record.id)
        .values(detail="", actor_label="")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
