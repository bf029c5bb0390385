"""The workspace's quote settings: number pattern, validity, default terms, sender address and
what acceptance does. One row per workspace, made with defaults when first changed."""

from sqlalchemy import select

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.extensions import db
from app.core.validation import Errors
from app.crm.quotes.models import QuoteSettings
from app.crm.quotes.numbering import pattern_problems
from app.plans.services import check_writable
from app.records.setting_services import apply_changes

MAX_VALIDITY_DAYS = 365


def get_quote_settings() -> QuoteSettings:
    """This workspace's settings; defaults (not stored) until someone saves them."""
    settings = db.session.scalar(select(QuoteSettings))
    if settings is None:
        settings = QuoteSettings(
            number_pattern="Q-{year}-{seq:04d}",
            invoice_number_pattern="INV-{year}-{seq:04d}",
            validity_days=30,
            payment_terms_days=14,
            renewal_reminder_days=14,
            default_terms="",
            sender_address="",
            mark_deal_won_on_acceptance=True,
        )
    return settings


def update_quote_settings(data: dict, *, actor) -> QuoteSettings:
    check_permission(actor, "settings.manage")
    check_writable()
    errors = Errors()
    pattern = str(data.get("number_pattern") or "").strip()
    for message in pattern_problems(pattern):
        errors.add("number_pattern", message)
    invoice_pattern = str(data.get("invoice_number_pattern") or "").strip()
    for message in pattern_problems(invoice_pattern):
        errors.add("invoice_number_pattern", message)
    if invoice_pattern and invoice_pattern == pattern:
        errors.add("invoice_number_pattern", "Use a pattern different from the quotes' one.")
    validity = _days(data.get("validity_days"), "validity_days", errors)
    payment_terms = _days(data.get("payment_terms_days"), "payment_terms_days", errors)
    reminder_days = _days(data.get("renewal_reminder_days"), "renewal_reminder_days", errors)
    terms = str(data.get("default_terms") or "").strip()
    address = str(data.get("sender_address") or "").strip()
    if len(terms) > 20_000:
        errors.add("default_terms", "Use at most 20,000 characters.")
    if len(address) > 1_000:
        errors.add("sender_address", "Use at most 1,000 characters.")
    errors.raise_if_any()
    settings = get_quote_settings()
    if settings.id is None:
        db.session.add(settings)
    apply_changes(
        settings,
        {
            "number_pattern": pattern,
            "invoice_number_pattern": invoice_pattern,
            "validity_days": validity,
            "payment_terms_days": payment_terms,
            "renewal_reminder_days": reminder_days,
            "default_terms": terms,
            "sender_address": address,
            "mark_deal_won_on_acceptance": bool(data.get("mark_deal_won_on_acceptance")),
        },
    )
    db.session.flush()
    record_audit("quote_settings.updated", actor=actor, target_type="quote_settings", target_id=settings.id)
    return settings


def _days(raw, name: str, errors: Errors) -> int:
    try:
        days = int(str(raw if raw is not None else "").strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_VALIDITY_DAYS:
        errors.add(name, f"Enter a number of days from 1 to {MAX_VALIDITY_DAYS}.")
    return days
