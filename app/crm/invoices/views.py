"""Invoice pages: the kit's pages, plus invoicing a quote or an order, issuing, sending,
payments, voiding and the PDF."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.currencies import coded_amount
from app.core.errors import Conflict, ValidationFailed
from app.core.templating import day
from app.core.transactions import undone_if_refused
from app.crm.invoices import services
from app.crm.invoices.documents import invoice_document
from app.crm.invoices.record import INVOICES
from app.crm.orders.record import ORDERS
from app.crm.orders.services import load_order_for_page
from app.crm.quotes.pdf_routes import add_pdf_page
from app.crm.quotes.record import QUOTES
from app.crm.quotes.send_page import send_page
from app.crm.quotes.services import load_quote_for_page
from app.records.crud_pages import record_page_url
from app.records.pages import detail_context
from app.records.views import record_blueprint

bp = record_blueprint(INVOICES)


def _back(invoice):
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


def _draft_from(source_type, source, make_invoice, made: str):
    """A draft invoice made from a quote or an order, then its page; a refusal is shown on the
    source's page."""
    try:
        with undone_if_refused():
            invoice = make_invoice(source, actor=current_user)
    except (Conflict, ValidationFailed) as exc:
        flash(exc.message, "danger")
        return redirect(record_page_url(source_type, source))
    flash(made, "success")
    return _back(invoice)


def _invoice_action(invoice_id, action, done):
    """`action(invoice, actor=…)` from a button on the invoice's page, and back to it with
    `done(invoice)` or the refusal."""
    invoice = services.load_invoice_for_page(invoice_id)
    try:
        with undone_if_refused():
            action(invoice, actor=current_user)
    except (Conflict, ValidationFailed) as exc:
        flash(exc.message, "danger")
    else:
        flash(done(invoice), "success")
    return _back(invoice)


@bp.route("/quotes/<uuid:quote_id>/invoice", methods=["POST"])
@requires_permission("invoices.create")
def from_quote(quote_id):
    made = "Draft invoice made from the quote: check it, then issue it."
    return _draft_from(QUOTES, load_quote_for_page(quote_id), services.invoice_from_quote, made)


@bp.route("/orders/<uuid:order_id>/invoice", methods=["POST"])
@requires_permission("invoices.create")
def from_order(order_id):
    order = load_order_for_page(order_id)
    made = f"Draft invoice made from order {order.number}: check it, then issue or send it."
    return _draft_from(ORDERS, order, services.invoice_from_order, made)


@bp.route("/invoices/<uuid:invoice_id>/send", methods=["GET", "POST"])
@requires_permission("invoices.edit")
def send(invoice_id):
    invoice = services.load_invoice_for_page(invoice_id)
    try:
        with undone_if_refused():
            return send_page(INVOICES, invoice, services.send_invoice)
    except Conflict as exc:
        flash(exc.message, "danger")
        return _back(invoice)


@bp.route("/invoices/<uuid:invoice_id>/issue", methods=["POST"])
@requires_permission("invoices.edit")
def issue(invoice_id):
    return _invoice_action(
        invoice_id,
        services.issue_invoice,
        lambda invoice: f"Invoice {invoice.number} issued, due {day(invoice.due_date)}.",
    )


@bp.route("/invoices/<uuid:invoice_id>/payments", methods=["POST"])
@requires_permission("invoices.edit")
def record_payment(invoice_id):
    invoice = services.load_invoice_for_page(invoice_id)
    try:
        with undone_if_refused():
            payment = services.record_payment(invoice, request.form.to_dict(), actor=current_user)
    except ValidationFailed as exc:
        # The invoice's page again, with the messages beside the payment form's inputs.
        g.payment_errors, g.payment_input = exc.details or {"amount": [exc.message]}, request.form
        return render_template(INVOICES.templates["show"], **detail_context(INVOICES, invoice, None)), 422
    except Conflict as exc:
        flash(exc.message, "danger")
        return _back(invoice)
    flash(f"Payment of {coded_amount(payment.amount, invoice.currency)} recorded.", "success")
    return _back(invoice)


@bp.route("/invoices/<uuid:invoice_id>/payments/<uuid:payment_id>/delete", methods=["POST"])
@requires_permission("invoices.delete")
def remove_payment(invoice_id, payment_id):
    invoice = services.load_invoice_for_page(invoice_id)
    try:
        with undone_if_refused():
            payment = services.remove_payment(invoice, payment_id, actor=current_user)
    except Conflict as exc:
        flash(exc.message, "danger")
    else:
        flash(f"Payment of {coded_amount(payment.amount, invoice.currency)} removed.", "success")
    return _back(invoice)


@bp.route("/invoices/<uuid:invoice_id>/void", methods=["POST"])
@requires_permission("invoices.edit")
def void(invoice_id):
    return _invoice_action(invoice_id, services.void_invoice, lambda invoice: f"Invoice {invoice.number} voided.")


add_pdf_page(bp, INVOICES, lambda invoice_id: invoice_document(services.load_invoice_for_page(invoice_id)))
