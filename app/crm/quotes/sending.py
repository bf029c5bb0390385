"""What sending a quote or an invoice by email shares: the recipient the form proposes, the
recipient and message read from the request, and the records index's title once the document
has its number."""

from sqlalchemy import update

from app.core.extensions import db
from app.core.validation import Errors, normalize_email_address
from app.records.models import RecordEntry

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
    """The shared records index shows the document's title, which now starts with its number."""
    db.session.execute(
        update(RecordEntry)
        .where(RecordEntry.id == document.id)
        .values(title=record_type.title_of(document)[:300])
        .execution_options(synchronize_session=False)
    )
