"""A quote as a document: the values its page, its PDF and its public link show, and what a
kept version stores. Plain JSON (amounts as strings), so a version reads the same years later."""

from app.core.currencies import round_amount
from app.crm.quotes.models import QuoteStatus


def amount_text(value, currency: str) -> str:
    """ "1500.00", or "1500" in a currency without decimals (yen): the places it is read in."""
    return str(round_amount(value, currency))


def quote_document(quote) -> dict:
    customer = {
        "name": quote.contact.display_name if quote.contact else "",
        "company": quote.company.name if quote.company else "",
        "email": quote.recipient_email or "",
    }
    return {
        "number": quote.number or "",
        "title": quote.title,
        "version": quote.version,
        "status": quote.status,
        "status_label": QuoteStatus.LABELS.get(quote.status, quote.status),
        "currency": quote.currency,
        "issued_on": quote.sent_at.date().isoformat() if quote.sent_at else "",
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else "",
        "introduction": quote.introduction or "",
        "terms": quote.terms or "",
        "customer": customer,
        "kind": "Quote",
        "lines": document_lines(quote.lines, quote.currency),
        "subtotal": amount_text(quote.subtotal, quote.currency),
        "discount_total": amount_text(quote.discount_total, quote.currency),
        "tax_total": amount_text(quote.tax_total, quote.currency),
        "total": amount_text(quote.total, quote.currency),
    }


def document_lines(lines, currency: str) -> list[dict]:
    """Priced lines (a quote's or an invoice's) as a document shows them."""
    return [
        {
            "description": line.description,
            "quantity": f"{line.quantity.normalize():f}",
            "unit": line.unit,
            "unit_price": amount_text(line.unit_price, currency),
            "discount": _discount_label(line),
            "discount_amount": amount_text(line.discount_amount, currency),
            "tax_rate": f"{line.tax_rate.normalize():f}",
            "tax_amount": amount_text(line.tax_amount, currency),
            "total": amount_text(line.total, currency),
            "recurring_interval": line.recurring_interval,
        }
        for line in lines
    ]


def _discount_label(line) -> str:
    """ "10 %" for a percentage; an amount discount shows as its amount alone."""
    return f"{line.discount_value.normalize():f} %" if line.discount_kind == "percent" else ""
