"""Email providers behind one small interface: `console` (stores) and SendGrid (real client)."""

from dataclasses import dataclass

from flask import current_app

from app.core.extensions import db
from app.core.ids import parse_uuid
from app.messaging.models import DevMailboxMessage


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text_body: str
    html_body: str
    from_address: str
    tenant_id: str | None = None


class DeliveryError(Exception):
    """The provider refused or failed; the outbox keeps the message and retries later."""


class EmailNotConfigured(RuntimeError):
    """No real email provider where the dev mailbox is off (production)."""


class ConsoleEmailProvider:
    """Stores messages in the dev mailbox instead of sending them (no keys configured).

    Development only: the mailbox holds every tenant's reset and invitation links.
    """

    name = "console"

    def send(self, message: EmailMessage) -> str:
        if not current_app.config.get("DEV_MAILBOX_ENABLED"):
            # Keep nothing readable: the message stays queued (and visible as failing).
            raise DeliveryError("no email provider is configured (SENDGRID_API_KEY)")

        # A platform table: written in the caller's transaction, no scope change needed.
        row = DevMailboxMessage(
            tenant_id=parse_uuid(message.tenant_id),
            to_address=message.to,
            from_address=message.from_address,
            subject=message.subject,
            text_body=message.text_body,
            html_body=message.html_body,
        )
        db.session.add(row)
        db.session.flush()
        return f"console-{row.id}"


class SendGridEmailProvider:
    name = "sendgrid"

    def __init__(self, api_key: str, host: str):
        from sendgrid import SendGridAPIClient

        self.client = SendGridAPIClient(api_key=api_key, host=host)

    def send(self, message: EmailMessage) -> str:
        from python_http_client.exceptions import HTTPError
        from sendgrid.helpers.mail import Mail

        mail = Mail(
            from_email=message.from_address,
            to_emails=message.to,
            subject=message.subject,
            plain_text_content=message.text_body,
            html_content=message.html_body or None,
        )
        try:
            response = self.client.send(mail)
        except HTTPError as exc:
            raise DeliveryError(f"SendGrid answered {exc.status_code}: {exc.body!r}") from exc
        except OSError as exc:
            raise DeliveryError(f"SendGrid unreachable: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"SendGrid answered {response.status_code}")
        headers = response.headers or {}
        return headers.get("X-Message-Id", "") if hasattr(headers, "get") else ""


def get_email_provider():
    api_key = current_app.config.get("SENDGRID_API_KEY")
    if api_key:
        return SendGridEmailProvider(api_key, current_app.config["SENDGRID_API_BASE"])
    return ConsoleEmailProvider()


def check_email_provider(app) -> None:
    """Refuse to start where the dev mailbox is off (production) and no real provider is set:
    emails would pile up undelivered, or worse be stored where anyone could read them."""
    if not app.config.get("DEV_MAILBOX_ENABLED") and not app.config.get("SENDGRID_API_KEY"):
        raise EmailNotConfigured(
            "SENDGRID_API_KEY is not set: production needs a real email provider (the dev mailbox is off)."
        )
