"""Invoices through the kit's services, plus their life: made from an accepted quote or an
order, issued (numbered, dated), sent by email through the outbox (PDF attached when the plan
has PDFs), paid in payments (on the customer's timeline), voided, marked overdue."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from app.auth.permissions import acting_user, check_permission
from app.core.currencies import coded_amount, minor_unit, round_amount
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_child_or_404
from app.core.numbers import typed_decimal
from app.core.templating import day
from app.core.text import in_a_list, plural
from app.core.types import utcnow
from app.core.validation import Errors
from app.crm.invoices.documents import invoice_document
from app.crm.invoices.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from app.crm.invoices.record import INVOICES
from app.crm.orders.models import Order, OrderStatus
from app.crm.quotes.copying import copy_input, copying_from
from app.crm.quotes.models import Quote, QuoteStatus
from app.crm.quotes.numbering import next_number
from app.crm.quotes.pdf import pdf_filename, render_document_pdf
from app.crm.quotes.priced_documents import lock_document
from app.crm.quotes.sending import email_document, read_send_input, refresh_index_title
from app.crm.quotes.settings import get_quote_settings
from app.plans.services import check_writable, entitlements
from app.records.normalize import current_tenant, workspace_today
from app.records.services import create_record, emit_record_event, record_services

get_invoice, load_invoice_for_page, create_invoice, update_invoice, delete_invoice, list_invoices = record_services(
    INVOICES
)


def invoice_from_quote(quote, *, actor) -> Invoice:
    """A draft invoice with the accepted quote's customer, currency, lines and terms. It bills
    the order the acceptance made too, so that order counts it as invoiced; once that order is
    cancelled, the sale fell through and the quote is not invoiced."""
    if quote.status != QuoteStatus.ACCEPTED:
        raise Conflict("Only an accepted quote can be invoiced.")
    order = db.session.scalar(select(Order).where(Order.quote_id == quote.id).limit(1))
    if order is not None and order.status == OrderStatus.CANCELLED:
        raise Conflict(f"Order {order.number} of this quote was cancelled, so the quote is not invoiced.")
    with copying_from(quote):
        invoice = create_record(INVOICES, copy_input(quote), actor=actor)
    invoice.quote_id = quote.id
    invoice.order_id = order.id if order is not None else None
    db.session.flush()
    return invoice


def invoice_from_order(order: Order, *, actor) -> Invoice:
    """A draft invoice for the order: its customer, currency, terms and lines (a cancelled
    order is not invoiced). The invoice links to the order and to the order's quote."""
    check_permission(actor, "orders.view")
    if order.status == OrderStatus.CANCELLED:
        raise Conflict("A cancelled order cannot be invoiced.")
    if not order.lines:
        raise ValidationFailed("The order has no lines to invoice.", details={"lines": ["The order has no lines."]})
    with copying_from(order):
        invoice = create_record(INVOICES, copy_input(order, owner_id=order.owner_id), actor=actor)
    invoice.order_id = order.id
    invoice.quote_id = order.quote_id
    db.session.flush()
    return invoice


def issue_invoice(invoice: Invoice, *, actor) -> Invoice:
    """Number and date a draft; it can no longer be changed, only paid or voided."""
    check_permission(actor, INVOICES.permission("edit"))
    check_writable()
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict("This invoice was already issued.")
    if not invoice.lines:
        raise ValidationFailed("Add at least one line first.", details={"lines": ["Add at least one line item."]})
    if invoice.order is not None and invoice.order.status == OrderStatus.CANCELLED:
        raise Conflict(f"Order {invoice.order.number} was cancelled: delete this draft rather than bill it.")
    settings = get_quote_settings()
    today = workspace_today()
    invoice.number = next_number("invoice", settings.invoice_number_pattern, today)
    invoice.issue_date = today
    if invoice.due_date is None or invoice.due_date < today:
        invoice.due_date = today + timedelta(days=settings.payment_terms_days)
    invoice.status = InvoiceStatus.ISSUED
    invoice.updated_at = utcnow()
    refresh_index_title(INVOICES, invoice)
    emit_record_event(
        INVOICES,
        invoice,
        "issued",
        actor=actor,
        summary=f"Issued {invoice.number}, due {day(invoice.due_date)}",
        data={"number": invoice.number, "total": str(invoice.total), "currency": invoice.currency},
    )
    return invoice


def send_invoice(invoice: Invoice, data: dict, *, actor) -> Invoice:
    """Email the invoice to the customer after commit (through the outbox), its PDF attached
    when the plan has PDFs. A draft is issued first (numbered, dated); an issued invoice
    becomes "sent". Sending a partly paid or overdue invoice again (a reminder) keeps its
    status; a paid or void one is not sent."""
    check_permission(actor, INVOICES.permission("edit"))
    check_writable()
    if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.VOID):
        raise Conflict(f"A {InvoiceStatus.LABELS[invoice.status].lower()} invoice is not sent.")
    errors = Errors()
    recipient, message = read_send_input(data, errors)
    if not invoice.lines:
        errors.add("_form", "Add at least one line item before sending.")
    errors.raise_if_any("The invoice cannot be sent yet.")
    first = invoice.sent_at is None
    if invoice.status == InvoiceStatus.DRAFT:
        issue_invoice(invoice, actor=actor)
    if invoice.status == InvoiceStatus.ISSUED:
        invoice.status = InvoiceStatus.SENT
    now = utcnow()
    invoice.sent_at = now
    invoice.recipient_email = recipient
    invoice.updated_at = now
    db.session.flush()
    tenant = current_tenant()
    attachments = None
    if entitlements(tenant).has_feature("quote_pdf"):
        document = invoice_document(invoice)
        attachments = [
            {
                "filename": pdf_filename(document),
                "content_type": "application/pdf",
                "content": render_document_pdf(document),
            }
        ]
    email_document(
        INVOICES,
        invoice,
        recipient,
        message,
        first=first,
        actor=actor,
        context={"attached": bool(attachments)},
        attachments=attachments,
    )
    return invoice


def record_payment(invoice: Invoice, data: dict, *, actor) -> Payment:
    """Money received: the invoice becomes partially paid or paid; the payment shows on the
    timelines of the invoice, its contact and its company. The invoice row is locked first,
    so two payments at once are checked against the balance one after the other."""
    check_permission(actor, INVOICES.permission("edit"))
    check_writable()
    invoice = lock_document(invoice)
    if invoice.status not in InvoiceStatus.OPEN:
        raise Conflict("Payments are recorded against issued invoices that are not fully paid or void.")
    errors = Errors()
    unit = minor_unit(invoice.currency)
    try:
        amount = typed_decimal(data.get("amount") or "")
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            raise InvalidOperation
    except InvalidOperation:
        errors.add("amount", "Enter an amount such as 1500.00.")
        amount = None
    if amount is not None and amount != amount.quantize(unit):
        errors.add("amount", f"Amounts in {invoice.currency} have no decimals.")
    elif amount is not None and not unit <= amount <= invoice.balance:
        balance = round_amount(invoice.balance, invoice.currency)
        errors.add("amount", f"Enter an amount from {unit} to the balance, {balance:,}.")
    try:
        paid_on = date.fromisoformat(str(data.get("paid_on") or "").strip())
    except ValueError:
        errors.add("paid_on", "Use a date like 2026-01-31.")
        paid_on = None
    if paid_on is not None and paid_on > workspace_today():
        errors.add("paid_on", "The payment date is in the future.")
    elif paid_on is not None and invoice.issue_date is not None and paid_on < invoice.issue_date:
        errors.add(
            "paid_on", f"The invoice was issued on {day(invoice.issue_date)}; a payment cannot be dated earlier."
        )
    method = str(data.get("method") or "bank_transfer")
    if method not in PaymentMethod.LABELS:
        errors.add("method", "Choose a payment method.")
    reference = str(data.get("reference") or "").strip()
    if len(reference) > 120:
        errors.add("reference", "Use at most 120 characters.")
    errors.raise_if_any("The payment was not recorded.")
    user = acting_user(actor)
    payment = Payment(
        invoice_id=invoice.id,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(payment)
    invoice.amount_paid += amount
    _set_paid_status(invoice)
    db.session.flush()
    emit_record_event(
        INVOICES,
        invoice,
        "payment_recorded",
        actor=actor,
        summary=f"Payment of {coded_amount(amount, invoice.currency)} received ({PaymentMethod.LABELS[method].lower()})",
        data={
            "amount": str(amount),
            "currency": invoice.currency,
            "paid_on": paid_on.isoformat(),
            "number": invoice.number,
        },
    )
    return payment


def remove_payment(invoice: Invoice, payment_id, *, actor) -> Payment:
    """Undo a payment recorded by mistake (a wrong invoice, a bounced transfer): the payment
    goes, and the invoice's paid amount and status are what its other payments make them. It
    removes money from the books, so it takes the right to delete invoices; it is audited
    with the amounts before and after, and on the timelines like the payment was."""
    check_permission(actor, INVOICES.permission("delete"))
    check_writable()
    invoice = lock_document(invoice)
    payment = get_child_or_404(Payment, payment_id, invoice, "invoice_id")
    old = {"amount_paid": str(invoice.amount_paid), "status": invoice.status}
    db.session.delete(payment)
    invoice.amount_paid -= payment.amount
    _set_paid_status(invoice)
    db.session.flush()
    db.session.expire(invoice, ["payments"])
    new = {"amount_paid": str(invoice.amount_paid), "status": invoice.status}
    emit_record_event(
        INVOICES,
        invoice,
        "payment_removed",
        actor=actor,
        summary=f"Payment of {coded_amount(payment.amount, invoice.currency)} of {day(payment.paid_on)} removed",
        changes={key: {"old": old[key], "new": new[key]} for key in old if old[key] != new[key]},
        data={"amount": str(payment.amount), "currency": invoice.currency, "paid_on": payment.paid_on.isoformat()},
    )
    return payment


def _set_paid_status(invoice: Invoice) -> None:
    """The status an issued invoice's payments give it: paid once nothing is owed; partly paid,
    or overdue past its due date, while something is; issued (or sent) again when nothing is paid."""
    today = workspace_today()
    if invoice.balance <= 0:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = invoice.paid_at or utcnow()
    else:
        invoice.paid_at = None
        if invoice.due_date is not None and invoice.due_date < today:
            invoice.status = InvoiceStatus.OVERDUE
        elif invoice.amount_paid > 0:
            invoice.status = InvoiceStatus.PARTIALLY_PAID
        else:
            invoice.status = InvoiceStatus.SENT if invoice.sent_at else InvoiceStatus.ISSUED
    invoice.updated_at = utcnow()


def void_invoice(invoice: Invoice, *, actor) -> Invoice:
    check_permission(actor, INVOICES.permission("edit"))
    check_writable()
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict("This invoice is already void.")
    if invoice.amount_paid > 0:
        raise Conflict(
            "An invoice with payments cannot be voided: remove its payments first if they were recorded by mistake."
        )
    if invoice.status == InvoiceStatus.DRAFT:
        raise Conflict("A draft is deleted, not voided.")
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = utcnow()
    emit_record_event(INVOICES, invoice, "voided", actor=actor, summary=f"Voided {invoice.number}")
    return invoice


def mark_overdue_invoices() -> int:
    """Issued and partly paid invoices past their due date become overdue (each once)."""
    due = list(
        db.session.scalars(
            select(Invoice)
            .where(
                Invoice.status.in_(InvoiceStatus.NOT_YET_DUE),
                Invoice.due_date < workspace_today(),
            )
            .order_by(Invoice.id)
            .with_for_update(skip_locked=True)
        )
    )
    for invoice in due:
        invoice.status = InvoiceStatus.OVERDUE
        emit_record_event(INVOICES, invoice, "overdue", actor=None, summary=f"Overdue since {invoice.due_date}")
    db.session.flush()
    return len(due)


def keep_customers_on_the_books(event, customer) -> None:
    """In-transaction subscriber of `contact.deleted` and `company.deleted`: a contact or
    company named on the books (an order, an accepted quote, an issued invoice) is kept (409),
    with what holds it, for deleting it wiped who bought and who was billed off those
    documents' pages and PDFs (and an active subscription, which bills it again: see
    hold_customers_with). Drafts and open quotes do not hold it; a merge moves the documents to
    the record it keeps first."""
    holders = customer_documents(event.record_type, customer.id)
    if holders:
        raise Conflict(f"This customer is named on {in_a_list(holders)} kept for the books, so it cannot be deleted.")


# What holds a customer: (model with contact_id and company_id, noun, which of its rows), in
# the order the refusal lists them. Types above this package add theirs (hold_customers_with).
_CUSTOMER_HOLDERS: list[tuple] = [
    (Order, "order", lambda: None),
    (Quote, "accepted quote", lambda: Quote.status == QuoteStatus.ACCEPTED),
    (Invoice, "issued invoice", lambda: Invoice.number.is_not(None)),
]


def hold_customers_with(model, noun: str, rows) -> None:
    """Keep a contact or company that `model` rows (those `rows()` selects) name as customer."""
    if not any(holder[0] is model for holder in _CUSTOMER_HOLDERS):
        _CUSTOMER_HOLDERS.append((model, noun, rows))


def customer_documents(record_type: str, customer_id) -> list[str]:
    """What names the customer on the books, counted: "2 orders", "1 accepted quote", "1 issued invoice"."""
    found = []
    for model, noun, rows in _CUSTOMER_HOLDERS:
        condition = rows()
        column = model.contact_id if record_type == "contact" else model.company_id
        query = select(func.count()).select_from(model).where(column == customer_id)
        count = db.session.scalar(query if condition is None else query.where(condition))
        if count:
            found.append(plural(count, noun))
    return found
