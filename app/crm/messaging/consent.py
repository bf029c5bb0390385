"""Consent and suppression: a message goes out only with consent for its channel and to an
address not on the tenant's suppression list; SMS wait for the end of quiet hours in the
contact's time zone. Every consent change is written to the ledger, whatever made it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from flask import has_request_context
from flask_login import current_user
from phonenumbers import timezone as number_zones
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import object_session

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.session import TenantSession
from app.core.types import utcnow
from app.core.validation import Errors, check_known_keys, clean_choice, clean_text, normalize_email_address
from app.crm.contacts.models import Consent, Contact
from app.crm.messaging.models import Channel, ConsentChange, MessagingSettings, Suppression
from app.records.normalize import Invalid, display_phone, normalize_phone


class SuppressionReason:
    BOUNCE = "bounce"
    SPAM = "spam_report"
    UNSUBSCRIBE = "unsubscribe"
    STOP = "stop"
    MANUAL = "manual"
    LABELS = {
        BOUNCE: "Hard bounce",
        SPAM: "Spam report",
        UNSUBSCRIBE: "Unsubscribed",
        STOP: "Replied STOP",
        MANUAL: "Added by hand",
    }


LEDGER_KEY = "consent_change_source"


def normalize_address(channel: str, address: str) -> str:
    return (address or "").strip().lower() if channel == Channel.EMAIL else (address or "").strip()


def address_of(contact: Contact, channel: str) -> str | None:
    return contact.primary_email if channel == Channel.EMAIL else contact.primary_phone


def shown_address(channel: str, address: str) -> str:
    """An address as people write it: a number "+1 415-555-0123" rather than as it is stored."""
    return display_phone(address) if channel == Channel.SMS else address


def is_suppressed(channel: str, address: str) -> bool:
    return (
        db.session.scalar(
            select(Suppression.id).where(
                Suppression.channel == channel, Suppression.address == normalize_address(channel, address)
            )
        )
        is not None
    )


# Addresses per query: a 100,000-recipient campaign would pass PostgreSQL's 65,535 bind parameters.
SUPPRESSION_CHUNK = 5_000


def suppressed_addresses(channel: str, addresses) -> set[str]:
    """The suppressed ones among many addresses, a query per 5,000 (campaign audiences, batches)."""
    wanted = sorted({normalize_address(channel, address) for address in addresses if address})
    found: set[str] = set()
    for start in range(0, len(wanted), SUPPRESSION_CHUNK):
        chunk = wanted[start : start + SUPPRESSION_CHUNK]
        found.update(
            db.session.scalars(
                select(Suppression.address).where(Suppression.channel == channel, Suppression.address.in_(chunk))
            )
        )
    return found


def refusal(
    contact: Contact, channel: str, *, suppressed: bool | None = None, address: str | None = None
) -> str | None:
    """Why this contact may not get a message on this channel now (at `address`, one of theirs,
    else their first), or None when it may."""
    address = address or address_of(contact, channel)
    label = "an email address" if channel == Channel.EMAIL else "a phone number"
    if not address:
        return f"{contact.display_name} has no {label.split(' ', 1)[1]}."
    status = getattr(contact, f"{channel}_consent")
    if status != Consent.GRANTED:
        what = "withdrew" if status == Consent.WITHDRAWN else "has not given"
        return f"{contact.display_name} {what} consent to {Channel.IN_A_SENTENCE[channel]}."
    if suppressed if suppressed is not None else is_suppressed(channel, address):
        return f"{shown_address(channel, address)} is on the suppression list."
    return None


def set_consent(contact: Contact, channel: str, status: str, *, source: str, detail: str) -> bool:
    """Change consent from outside a form (unsubscribe link, STOP, spam report); ledgered."""
    if getattr(contact, f"{channel}_consent") == status:
        return False
    db.session.info[LEDGER_KEY] = detail
    setattr(contact, f"{channel}_consent", status)
    setattr(contact, f"{channel}_consent_source", source)
    setattr(contact, f"{channel}_consent_at", utcnow())
    db.session.flush()
    return True


def _actor_label() -> str:
    if has_request_context() and current_user and getattr(current_user, "is_authenticated", False):
        return getattr(current_user, "email", "") or ""
    return ""


CHANGED_KEY = "consent_changed_contacts"


def _note_change(contact, value, oldvalue, initiator) -> None:
    """Attribute event: remember the contact, so the flush looks at these and nothing else
    (scanning `session.dirty` on every flush would grow with everything the session holds)."""

    session = object_session(contact)
    if session is not None and value != oldvalue:
        session.info.setdefault(CHANGED_KEY, set()).add(contact)


def ledger_consent_changes(session, flush_context, instances) -> None:
    """before_flush: a ledger row for every consent status change of every contact, however made
    (form, API, import, unsubscribe page, SMS keyword, provider report)."""
    changed = session.info.pop(CHANGED_KEY, set()) | {obj for obj in session.new if isinstance(obj, Contact)}
    if not changed:
        return
    detail = session.info.pop(LEDGER_KEY, "")
    actor = _actor_label()
    for contact in changed:
        state = inspect(contact)
        for channel in Consent.CHANNELS:
            history = state.attrs[f"{channel}_consent"].history
            if not history.added:
                continue
            old = history.deleted[0] if history.deleted else Consent.UNKNOWN
            new = history.added[0]
            if old == new or (state.pending and new == Consent.UNKNOWN):
                continue
            session.add(
                ConsentChange(
                    tenant_id=contact.tenant_id,
                    contact=contact,
                    channel=channel,
                    old_status=old or Consent.UNKNOWN,
                    new_status=new,
                    source=getattr(contact, f"{channel}_consent_source") or "",
                    detail=(detail or (f"Changed by {actor}" if actor else ""))[:300],
                    actor_label=actor,
                )
            )


def install_consent_ledger() -> None:
    if not event.contains(TenantSession, "before_flush", ledger_consent_changes):
        event.listen(TenantSession, "before_flush", ledger_consent_changes)
        for channel in Consent.CHANNELS:
            event.listen(getattr(Contact, f"{channel}_consent"), "set", _note_change)


def consent_ledger(contact_id, limit: int = 20) -> list[ConsentChange]:
    return list(
        db.session.scalars(
            select(ConsentChange)
            .where(ConsentChange.contact_id == contact_id)
            .order_by(ConsentChange.occurred_at.desc(), ConsentChange.id.desc())
            .limit(limit)
        )
    )


# ---------------------------------------------------------------------------- suppression list


def suppress(channel: str, address: str, reason: str, detail: str = "") -> Suppression | None:
    """Add an address; an address already suppressed keeps its first reason."""
    address = normalize_address(channel, address)
    if not address:
        return None
    existing = db.session.scalar(
        select(Suppression).where(Suppression.channel == channel, Suppression.address == address)
    )
    if existing is not None:
        return existing
    row = Suppression(channel=channel, address=address, reason=reason, detail=detail[:300])
    db.session.add(row)
    db.session.flush()
    return row


def add_suppression(data: dict, *, actor) -> Suppression:
    check_permission(actor, "suppressions.edit")
    check_known_keys(data, ("channel", "address", "detail"))
    errors = Errors()
    channel = clean_choice(data, "channel", Channel.LABELS, errors, label="channel")
    address = clean_text(data, "address", errors, max_length=254, required=True, label="Address")
    detail = clean_text(data, "detail", errors, max_length=300) or ""
    errors.raise_if_any()
    try:
        address = normalize_email_address(address) if channel == Channel.EMAIL else normalize_phone(address)
    except (ValueError, Invalid) as exc:
        raise ValidationFailed("Invalid address.", details={"address": [str(exc) or "Invalid address."]}) from exc
    row = suppress(channel, address, SuppressionReason.MANUAL, detail)
    record_audit(
        "suppression.added", actor=actor, target_type="suppression", target_id=row.id, details={"channel": channel}
    )
    return row


def remove_suppression(row: Suppression, *, actor) -> None:
    check_permission(actor, "suppressions.edit")
    db.session.execute(delete(Suppression).where(Suppression.id == row.id))
    record_audit(
        "suppression.removed",
        actor=actor,
        target_type="suppression",
        target_id=row.id,
        details={"channel": row.channel},
    )


# ---------------------------------------------------------------------------- quiet hours


def contact_zone(phone: str | None, fallback: str) -> ZoneInfo:
    """The time zone of a number's region (phonenumbers' carrier data), else the agency's."""

    try:
        zones = number_zones.time_zones_for_number(phonenumbers.parse(phone or "", None))
    except phonenumbers.NumberParseException:
        zones = ()
    name = zones[0] if zones and zones[0] != "Etc/Unknown" else fallback
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def quiet_hours_end(phone: str | None, settings: MessagingSettings, fallback_zone: str, now: datetime | None = None):
    """None when an SMS may go now; otherwise the UTC moment quiet hours end for that number."""
    start, end = settings.quiet_hours_start, settings.quiet_hours_end
    if start == end:
        return None
    now = now or utcnow()
    zone = contact_zone(phone, fallback_zone)
    local = now.astimezone(zone)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    resume = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if resume <= local:
        resume += timedelta(days=1)
    return resume.astimezone(ZoneInfo("UTC"))
