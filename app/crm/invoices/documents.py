"""An invoice as a document, in the shape quote documents have (one PDF template prints both)."""

from app.crm.invoices.models import InvoiceStatus
from app.crm.quotes.documents import amount_text, document_lines


def invoice_document(invoice) -> dict:
    return {
        "kind": "Invoice",
        "number": invoice.number or "",
        "title": invoice.title,
        "version": 1,
        "status": invoice.status,
        "status_label": InvoiceStatus.LABELS.get(invoice.status, invoice.status),
        "currency": invoice.currency,
        "issued_on": invoice.issue_date.isoformat() if invoice.issue_date else "",
        "due_date": invoice.due_date.isoformat() if invoice.due_date else "",
        "valid_until": "",
        "introduction": "",
        "terms": invoice.terms or "",
        "customer": {
            "name": invoice.contact.display_name if invoice.contact else "",
            "company": invoice.company.name if invoice.company else "",
            "email": "",
        },
        "lines": document_lines(invoice.lines, invoice.currency),
        "subtotal": amount_text(invoice.subtotal, invoice.currency),
        "discount_total": amount_text(invoice.discount_total, invoice.currency),
        "tax_total": amount_text(invoice.tax_total, invoice.currency),
        "total": amount_text(invoice.total, invoice.currency),
        "amount_paid": amount_text(invoice.amount_paid, invoice.currency) if invoice.amount_paid else "",
        "balance": amount_text(invoice.balance, invoice.currency),
    }
