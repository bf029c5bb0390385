"""Providers behind one small interface each: email through `console` (the dev mailbox) or
SendGrid, SMS through `console` or Twilio — the real client libraries in every environment.

Only the job runner calls them (see app/messaging/services.py): each refuses to run while a
request is being served, and the real clients give up after PROVIDER_TIMEOUT_SECONDS."""

from dataclasses import dataclass

from flask import current_app, has_request_context
from python_http_client.exceptions import HTTPError
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

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
    from_name: str = ""
    reply_to: str = ""
    # Extra headers (List-Unsubscribe…) and values the provider hands back in its events.
    headers: dict | None = None
    custom_args: dict | None = None
    # ({"filename", "content_type", "content": base64 text}, …)
    attachments: tuple = ()


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    from_number: str
    tenant_id: str | None = None
    status_callback: str | None = None


class DeliveryError(Exception):
    """The provider refused or failed; the outbox keeps the message and retries later."""


class ProviderCalledInRequest(RuntimeError):
    """A provider was called while a request was being served: sending is the job runner's
    work (a slow provider must not hold a web worker, nor a request's answer wait on it)."""


def refuse_in_request(provider: str) -> None:
    if has_request_context():
        raise ProviderCalledInRequest(f"{provider} is called by the job runner, never while serving a request")


def provider_timeout() -> float:
    return current_app.config["PROVIDER_TIMEOUT_SECONDS"]


class EmailNotConfigured(RuntimeError):
    """No real email provider where the dev mailbox is off (production)."""


class DevMailboxProvider:
    """A console provider: messages land in the dev mailbox instead of going out (no keys
    configured). Development only: the mailbox holds every tenant's reset and invitation links."""

    name = "console"
    channel: str  # "email", "SMS": how the errors name what is missing
    real_provider_setting: str  # the setting that turns the real provider on

    def store(self, mail: EmailMessage) -> str:
        """Keep the message in the dev mailbox; the row's id stands in for the provider's."""
        refuse_in_request(f"the {self.channel} provider")
        if not current_app.config.get("DEV_MAILBOX_ENABLED"):
            # Keep nothing readable: the message stays queued (and visible as failing).
            raise DeliveryError(f"no {self.channel} provider is configured ({self.real_provider_setting})")

        # A platform table: written in the caller's transaction, no scope change needed.
        row = DevMailboxMessage(
            tenant_id=parse_uuid(mail.tenant_id),
            to_address=mail.to,
            from_address=mail.from_address,
            subject=mail.subject,
            text_body=mail.text_body,
            html_body=mail.html_body,
        )
        db.session.add(row)
        db.session.flush()
        return f"console-{row.id}"


class ConsoleEmailProvider(DevMailboxProvider):
    channel = "email"
    real_provider_setting = "SENDGRID_API_KEY"

    def send(self, message: EmailMessage) -> str:
        return self.store(message)


class SendGridEmailProvider:
    name = "sendgrid"

    def __init__(self, api_key: str, host: str, timeout: float):
        from sendgrid import SendGridAPIClient  # noqa: PLC0415 - the SDK takes ~40 ms to import; only the email job needs it

        self.client = SendGridAPIClient(api_key=api_key, host=host)
        # python_http_client hands its timeout to every sub-client it builds (client.mail.send).
        self.client.client.timeout = timeout

    def send(self, message: EmailMessage) -> str:
        from sendgrid.helpers.mail import (  # noqa: PLC0415 - as SendGridAPIClient above
            Attachment,
            CustomArg,
            Disposition,
            FileContent,
            FileName,
            FileType,
            From,
            Header,
            Mail,
            ReplyTo,
        )

        refuse_in_request("SendGrid")
        mail = Mail(
            from_email=From(message.from_address, message.from_name or None),
            to_emails=message.to,
            subject=message.subject,
            plain_text_content=message.text_body,
            html_content=message.html_body or None,
        )
        if message.reply_to:
            mail.reply_to = ReplyTo(message.reply_to)
        for name, value in (message.headers or {}).items():
            mail.header = Header(name, value)
        for name, value in (message.custom_args or {}).items():
            mail.custom_arg = CustomArg(name, str(value))
        for item in message.attachments:
            mail.add_attachment(
                Attachment(
                    FileContent(item["content"]),
                    FileName(item["filename"]),
                    FileType(item["content_type"]),
                    Disposition("attachment"),
                )
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


class ConsoleSmsProvider(DevMailboxProvider):
    channel = "SMS"
    real_provider_setting = "TWILIO_ACCOUNT_SID"

    def send(self, message: SmsMessage) -> str:
        # The mailbox shows an SMS as a plain-text email to the number, from the sending number.
        as_mail = EmailMessage(
            to=message.to,
            subject="SMS",
            text_body=message.body,
            html_body="",
            from_address=message.from_number or "SMS",
            tenant_id=message.tenant_id,
        )
        return self.store(as_mail)

    def find_sent(self, message: SmsMessage, since) -> str | None:
        return None


class TwilioSmsProvider:
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, base_url: str | None = None, *, timeout: float):
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if base_url:
            # Tests (and regional proxies) point the real client at another API host.
            self.client.api.base_url = base_url

    def send(self, message: SmsMessage) -> str:
        refuse_in_request("Twilio")
        options = {"to": message.to, "from_": message.from_number, "body": message.body}
        if message.status_callback:
            options["status_callback"] = message.status_callback
        try:
            sent = self.client.messages.create(**options)
        except TwilioRestException as exc:
            raise DeliveryError(f"Twilio answered {exc.status}: {exc.msg}") from exc
        except (TwilioException, OSError) as exc:
            raise DeliveryError(f"Twilio unreachable: {exc}") from exc
        return sent.sid

    def find_sent(self, message: SmsMessage, since) -> str | None:
        """The SID of a message Twilio already has with this body, to this number, since `since`:
        how a send interrupted between the call and the commit is reconciled without sending twice."""
        refuse_in_request("Twilio")
        try:
            candidates = self.client.messages.list(
                to=message.to, from_=message.from_number, date_sent_after=since, limit=50
            )
        except (TwilioException, OSError) as exc:
            raise DeliveryError(f"Twilio unreachable: {exc}") from exc
        for candidate in candidates:
            if (candidate.body or "") == message.body:
                return candidate.sid
        return None


def get_sms_provider():
    config = current_app.config
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        return TwilioSmsProvider(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            config.get("TWILIO_API_BASE"),
            timeout=provider_timeout(),
        )
    return ConsoleSmsProvider()


def get_email_provider():
    api_key = current_app.config.get("SENDGRID_API_KEY")
    if api_key:
        return SendGridEmailProvider(api_key, current_app.config["SENDGRID_API_BASE"], provider_timeout())
    return ConsoleEmailProvider()


def check_email_provider(app) -> None:
    """Refuse to start where the dev mailbox is off (production) and no real provider is set:
    emails would pile up undelivered, or worse be stored where anyone could read them."""
    if not app.config.get("DEV_MAILBOX_ENABLED") and not app.config.get("SENDGRID_API_KEY"):
        raise EmailNotConfigured(
            "SENDGRID_API_KEY is not set: production needs a real email provider (the dev mailbox is off)."
        )
