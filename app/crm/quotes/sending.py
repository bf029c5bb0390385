"""What sending a quote or an invoice by email shares: the recipient the form proposes, the
recipient and message read from the request, the records index's title once the document has
its number, and the email with its "sent" event."""

from sqlalchemy import update

from app.core.extensions import db
from app.core.validation import Errors, normalize_email_address
from app.messaging.services import queue_email
from app.records.models import RecordEntry
from app.records.normalize import current_tenant
from app.records.services import emit_record_event, refresh_search_text

MAX_MESSAGE = 5_000


def read_send_input(data: dict, errors: Errors) -> tuple[str, str]:
    """The recipient's address and the message above the document; what is wrong goes to
    `errors`, which the caller raises with its own checks."""
    recipient = str(data.get("to") or "").strip()
    try:
        recipient = normalize_email_address(recipient).lower()
    except ValueError:
        errors.add("to", "Enter the customer's email address.")
    message = str(data.get("message") or "").strip()
    if len(message) > MAX_MESSAGE:
        errors.add("message", f"Use at most {MAX_MESSAGE:,} characters.")
    return recipient, message


def default_recipient(document) -> str:
    """Whom the send form proposes: the address the document last went to, else its contact's."""
    return document.recipient_email or getattr(document.contact, "primary_email", None) or ""


def refresh_index_title(record_type, document) -> None:
    """The shared records index shows the document's title, which now starts with its number;
    and the number, given after the draft was saved, is searched for like the rest."""
    refresh_search_text(record_type, document)
    db.session.execute(
        update(RecordEntry)
        .where(RecordEntry.id == document.id)
        .values(title=record_type.title_of(document)[:300])
        .execution_options(synchronize_session=False)
    )


def email_document(
    record_type,
    document,
    recipient: str,
    message: str,
    *,
    first: bool,
    actor,
    context: dict,
    attachments: list[dict] | None = None,
    event_data: dict | None = None,
) -> None:
    """Email the document to `recipient` after commit (through the outbox, with the
    `<type>_sent` template) and put "Sent to …" on its timeline, "… again" unless `first`.
    `context` adds the type's own to the email's template, `event_data` to the event's data."""
    tenant = current_tenant()
    queue_email(
        recipient,
        f"{record_type.name}_sent",
        subject=f"{record_type.label} {document.number} from {tenant.name}: {document.title}",
        context={record_type.name: document, "agency": tenant.name, "message": message, **context},
        attachments=attachments,
    )
    emit_record_event(
        record_type,
        document,
        "sent",
        actor=actor,
        summary=f"Sent to {recipient}" + ("" if first else " again"),
        data={"to": recipient, "number": document.number, **(event_data or {})},
    )
