"""Invoice pages: the kit's pages, plus invoicing a quote or an order, issuing, sending,
payments, voiding and the PDF."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.forms import apply_errors
from app.crm.invoices import services
from app.crm.invoices.documents import invoice_document
from app.crm.invoices.record import INVOICES
from app.crm.orders.services import load_order_for_page
from app.crm.quotes.forms import SendForm
from app.crm.quotes.pdf import pdf_page_response
from app.crm.quotes.sending import default_recipient
from app.crm.quotes.services import load_quote_for_page
from app.records.forms import ConfirmForm
from app.records.pages import detail_context
from app.records.views import record_blueprint

bp = record_blueprint(INVOICES)


def _back(invoice):
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/quotes/<uuid:quote_id>/invoice", methods=["POST"])
@requires_permission("invoices.create")
def from_quote(quote_id):
    quote = load_quote_for_page(quote_id)
    if not ConfirmForm().validate_on_submit():
        flash("Your form expired. Please try again.", "danger")
        return redirect(url_for("quotes.show", quote_id=quote.id))
    try:
        invoice = services.invoice_from_quote(quote, actor=current_user)
    except (Conflict, ValidationFailed) as exc:
        flash(exc.message, "danger")
        return redirect(url_for("quotes.show", quote_id=quote.id))
    flash("Draft invoice made from the quote: check it, then issue it.", "success")
    return _back(invoice)


@bp.route("/orders/<uuid:order_id>/invoice", methods=["POST"])
@requires_permission("invoices.create")
def from_order(order_id):
    order = load_order_for_page(order_id)
    if not ConfirmForm().validate_on_submit():
        flash("Your form expired. Please try again.", "danger")
        return redirect(url_for("orders.show", order_id=order.id))
    try:
        invoice = services.invoice_from_order(order, actor=current_user)
    except (Conflict, ValidationFailed) as exc:
        flash(exc.message, "danger")
        return redirect(url_for("orders.show", order_id=order.id))
    flash(f"Draft invoice made from order {order.number}: check it, then issue or send it.", "success")
    return _back(invoice)


@bp.route("/invoices/<uuid:invoice_id>/send", methods=["GET", "POST"])
@requires_permission("invoices.edit")
def send(invoice_id):
    invoice = services.load_invoice_for_page(invoice_id)
    form = SendForm(data={"to": default_recipient(invoice)})
    status = 200
    if form.validate_on_submit():
        try:
            services.send_invoice(invoice, {"to": form.to.data, "message": form.message.data}, actor=current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
            status = 422
        except Conflict as exc:
            flash(exc.message, "danger")
            return _back(invoice)
        else:
            flash(f"Invoice {invoice.number} sent to {invoice.recipient_email}.", "success")
            return _back(invoice)
    elif request.method == "POST":
        status = 422
    return render_template("crm/invoices/send.html", invoice=invoice, form=form), status


@bp.route("/invoices/<uuid:invoice_id>/issue", methods=["POST"])
@requires_permission("invoices.edit")
def issue(invoice_id):
    invoice = services.load_invoice_for_page(invoice_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.issue_invoice(invoice, actor=current_user)
        except (Conflict, ValidationFailed) as exc:
            flash(exc.message, "danger")
        else:
            flash(f"Invoice {invoice.number} issued, due {invoice.due_date}.", "success")
    return _back(invoice)


@bp.route("/invoices/<uuid:invoice_id>/payments", methods=["POST"])
@requires_permission("invoices.edit")
def record_payment(invoice_id):
    invoice = services.load_invoice_for_page(invoice_id)
    if not ConfirmForm().validate_on_submit():
        flash("Your form expired. Please try again.", "danger")
        return _back(invoice)
    try:
        payment = services.record_payment(invoice, request.form.to_dict(), actor=current_user)
    except ValidationFailed as exc:
        # The invoice's page again, with the messages beside the payment form's inputs.
        g.payment_errors, g.payment_input = exc.details or {"amount": [exc.message]}, request.form
        return render_template(INVOICES.templates["show"], **detail_context(INVOICES, invoice, None)), 422
    except Conflict as exc:
        flash(exc.message, "danger")
        return _back(invoice)
    flash(f"Payment of {invoice.currency} {payment.amount:,.2f} recorded.", "success")
    return _back(invoice)


@bp.route("/invoices/<uuid:invoice_id>/void", methods=["POST"])
@requires_permission("invoices.edit")
def void(invoice_id):
    invoice = services.load_invoice_for_page(invoice_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.void_invoice(invoice, actor=current_user)
        except Conflict as exc:
            flash(exc.message, "danger")
        else:
            flash(f"Invoice {invoice.number} voided.", "success")
    return _back(invoice)


@bp.route("/invoices/<uuid:invoice_id>/pdf")
@requires_permission("invoices.view")
def pdf(invoice_id):
    document = invoice_document(services.load_invoice_for_page(invoice_id))
    return pdf_page_response(document)
