"""Quotes through the kit's services, plus their life: sending (number, public link, email
through the outbox), the customer's first view, acceptance or rejection, and expiry."""

import secrets
from datetime import datetime, time, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.auth.permissions import check_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.hosts import tenant_host
from app.core.tokens import hash_token
from app.core.types import utcnow
from app.core.validation import Errors
from app.crm.deals.models import DealStatus, StageKind
from app.crm.deals.record import mark_active
from app.crm.deals.services.deals import move_deal, update_deal
from app.crm.deals.services.pipelines import first_stage_of_kind
from app.crm.quotes.models import Quote, QuoteStatus
from app.crm.quotes.numbering import next_number
from app.crm.quotes.priced_documents import lock_document
from app.crm.quotes.record import QUOTES
from app.crm.quotes.sending import email_document, read_send_input, refresh_index_title
from app.crm.quotes.settings import get_quote_settings
from app.plans.services import check_writable
from app.records.normalize import current_tenant, tenant_zone, workspace_today
from app.records.services import emit_record_event, record_services

get_quote, load_quote_for_page, create_quote, update_quote, delete_quote, list_quotes = record_services(QUOTES)

# A public link stays usable this long after the validity date, to show the quote as expired.
LINK_GRACE = timedelta(days=30)


def public_link(token: str) -> str:
    """The link on the agency's host, built from the URL map so that jobs and the demo (with no
    request) make the same link a request would."""
    host = tenant_host(current_tenant().slug)
    scheme = request.scheme if has_request_context() else current_app.config["PREFERRED_URL_SCHEME"]
    adapter = current_app.url_map.bind(host, url_scheme=scheme)
    return adapter.build("quote_links.show", {"token": token, "host": host}, force_external=True)


def _end_of(day) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tenant_zone())


# ---------------------------------------------------------------------------- sending


def send_quote(quote: Quote, data: dict, *, actor) -> str:
    """Number the quote (first send), issue a fresh public link and email it after commit; its
    open deal counts as active from now.

    Sending again (sent or viewed) replaces the link: the old one stops working. Returns the link.
    """
    check_permission(actor, QUOTES.permission("edit"))
    check_writable()
    errors = Errors()
    recipient, message = read_send_input(data, errors)
    if quote.status not in (QuoteStatus.DRAFT, *QuoteStatus.OPEN):
        raise Conflict(f"A {QuoteStatus.LABELS[quote.status].lower()} quote cannot be sent; edit it for a new version.")
    if not quote.lines:
        errors.add("_form", "Add at least one line item before sending.")
    if quote.valid_until is None or quote.valid_until < workspace_today():
        errors.add("_form", "The validity date has passed: edit the quote and choose a new one.")
    errors.raise_if_any("The quote cannot be sent yet.")
    now = utcnow()
    first = quote.number is None
    if first:
        quote.number = next_number("quote", get_quote_settings().number_pattern, workspace_today())
    token = secrets.token_urlsafe(32)
    quote.public_token_hash = hash_token(token)
    quote.public_link_expires_at = _end_of(quote.valid_until) + LINK_GRACE
    quote.status = QuoteStatus.SENT
    quote.sent_at = now
    quote.viewed_at = None
    quote.recipient_email = recipient
    quote.updated_at = now
    if quote.deal is not None and quote.deal.status == DealStatus.OPEN:
        # The quote going out is the deal moving on: it is no longer idle (rotting).
        mark_active(quote.deal, now)
    db.session.flush()
    refresh_index_title(QUOTES, quote)
    link = public_link(token)
    email_document(
        QUOTES,
        quote,
        recipient,
        message,
        first=first,
        actor=actor,
        context={"link": link},
        event_data={"version": quote.version},
    )
    return link


# ---------------------------------------------------------------------------- the public link


def quote_for_token(token: str) -> Quote | None:
    """The quote of this workspace whose live link is `token` (None for forged or replaced ones)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Quote).where(Quote.public_token_hash == hash_token(token)).options(selectinload(Quote.lines))
    )


def link_expired(quote: Quote) -> bool:
    return quote.public_link_expires_at is None or quote.public_link_expires_at <= utcnow()


def record_view(quote: Quote) -> None:
    """The customer opened the link: the first view is recorded once."""
    if quote.status != QuoteStatus.SENT:
        return
    quote.status = QuoteStatus.VIEWED
    quote.viewed_at = utcnow()
    emit_record_event(QUOTES, quote, "viewed", actor=None, summary="The customer opened the quote")


def _check_answerable(quote: Quote) -> None:
    if quote.status not in QuoteStatus.OPEN:
        raise Conflict(f"This quote is {QuoteStatus.LABELS[quote.status].lower()} and can no longer be answered.")
    if quote.valid_until is not None and quote.valid_until < workspace_today():
        raise Conflict("This quote has expired and can no longer be accepted.")


def accept_quote(quote: Quote, data: dict, *, ip: str, user_agent: str) -> None:
    """The customer accepts with a typed name and a consent tick; when and from where is kept.
    The quote row is locked first, so it is accepted once (its order and subscriptions too)."""
    quote = lock_document(quote)
    _check_answerable(quote)
    errors = Errors()
    name = " ".join(str(data.get("name") or "").split())
    if len(name) < 2:
        errors.add("name", "Type your full name to sign.")
    elif len(name) > 200:
        errors.add("name", "Use at most 200 characters.")
    if not data.get("consent"):
        errors.add("consent", "Tick the box to confirm you accept the quote and its terms.")
    errors.raise_if_any("Please sign to accept.")
    quote.status = QuoteStatus.ACCEPTED
    quote.accepted_at = utcnow()
    quote.accepted_name = name
    quote.accepted_ip = (ip or "")[:45]
    quote.accepted_user_agent = (user_agent or "")[:500]
    emit_record_event(
        QUOTES,
        quote,
        "accepted",
        actor=None,
        summary=f"Accepted by {name}",
        data={"accepted_by": name, "number": quote.number, "total": str(quote.total), "currency": quote.currency},
    )


def reject_quote(quote: Quote, data: dict, *, actor=None) -> None:
    """The customer declines on the quote's link (no actor), or a member records a no the
    customer gave another way (a call, an email): the reason is kept either way."""
    if actor is not None:
        check_permission(actor, QUOTES.permission("edit"))
        check_writable()
    quote = lock_document(quote)
    _check_answerable(quote)
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise ValidationFailed("Say why, so we can do better.", details={"reason": ["Tell us why you decline."]})
    if len(reason) > 1000:
        raise ValidationFailed("Too long.", details={"reason": ["Use at most 1,000 characters."]})
    quote.status = QuoteStatus.REJECTED
    quote.rejected_at = utcnow()
    quote.rejection_reason = reason
    emit_record_event(QUOTES, quote, "rejected", actor=actor, summary="Rejected: " + reason[:200])


# ---------------------------------------------------------------------------- expiry


def expire_due_quotes() -> int:
    """Mark sent and viewed quotes past their validity date expired (each once)."""
    today = workspace_today()
    due = list(
        db.session.scalars(
            select(Quote)
            .where(Quote.status.in_(QuoteStatus.OPEN), Quote.valid_until < today)
            .order_by(Quote.id)
            .with_for_update(skip_locked=True)
        )
    )
    now = utcnow()
    for quote in due:
        quote.status = QuoteStatus.EXPIRED
        quote.expired_at = now
        emit_record_event(QUOTES, quote, "expired", actor=None, summary=f"Expired (valid until {quote.valid_until})")
    db.session.flush()
    return len(due)


def acting_owner(record) -> User | None:
    """Who acts when no one is signed in (a customer's acceptance, a job): the record's owner,
    else the workspace's first owner — so permissions hold and the audit log names someone."""
    owner = getattr(record, "owner", None)
    if owner is not None and owner.is_active_user:
        return owner
    return db.session.scalar(
        select(User).where(User.role == Role.OWNER, User.is_active_user.is_(True)).order_by(User.created_at)
    )


def mark_deal_won(event, quote) -> None:
    """In-transaction subscriber of `quote.accepted`: the quote's open deal moves to its
    pipeline's first won stage, when the workspace's settings say so, worth what the customer
    signed (the quote before tax, when it is in the deal's currency): won revenue, win rate
    and the forecast read the deal's value, not the estimate it was opened with."""
    deal = quote.deal
    if deal is None or deal.status != DealStatus.OPEN or not get_quote_settings().mark_deal_won_on_acceptance:
        return
    won = first_stage_of_kind(deal.pipeline_id, StageKind.WON)
    if won is None:
        return
    actor = acting_owner(quote)
    signed = quote.subtotal - quote.discount_total
    if quote.currency == deal.currency and signed != deal.value:
        update_deal(deal, {"value": str(signed)}, actor=actor)
    move_deal(deal, {"stage_id": str(won.id), "close_note": f"Quote {quote.number} accepted"}, actor=actor)
