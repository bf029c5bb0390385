"""REST v1 invoices: the kit's resource, plus invoicing an order, issuing, sending, payments
and the PDF."""

from flask import abort
from marshmallow import Schema, fields, validate

from app.api.blueprint import created_at
from app.api.gate import api_actor
from app.auth.permissions import check_permission
from app.crm.invoices import services
from app.crm.invoices.documents import invoice_document
from app.crm.invoices.models import PaymentMethod
from app.crm.invoices.record import INVOICES
from app.crm.orders.services import get_order
from app.crm.quotes.pdf_routes import add_pdf_route
from app.crm.quotes.sending import MAX_MESSAGE
from app.records.api import json_body, json_body_doc, record_api_blueprint
from app.records.schemas import output_schema, serialize

blp = record_api_blueprint(INVOICES)


class PaymentInput(Schema):
    amount = fields.Decimal(allow_nan=False, required=True, metadata={"description": "Up to the balance"})
    paid_on = fields.Date(required=True)
    method = fields.String(validate=validate.OneOf(list(PaymentMethod.LABELS)))
    reference = fields.String(validate=validate.Length(max=120))


class PaymentFields(Schema):
    """A recorded payment as the API shows it; the two answers below add to it."""

    id = fields.UUID(required=True)
    amount = fields.Decimal(as_string=True, required=True, metadata={"type": "string", "format": "decimal"})
    paid_on = fields.Date(required=True)
    method = fields.String(required=True)
    reference = fields.String(required=True)


class PaymentSchema(PaymentFields):
    invoice = fields.Nested(output_schema(INVOICES), required=True)


def _serialize(invoice):
    return serialize(INVOICES, services.load_invoice_for_page(invoice.id))


class SendInvoiceInput(Schema):
    to = fields.Email(required=True, validate=validate.Length(max=254), metadata={"description": "The customer"})
    message = fields.String(validate=validate.Length(max=MAX_MESSAGE), metadata={"description": "Above the invoice"})


@blp.route("/from-order/<uuid:order_id>", methods=["POST"])
@blp.response(201, output_schema(INVOICES))
def from_order(order_id):
    """Invoice an order

    A draft invoice with the order's customer, currency, terms and lines, linked to the
    order and its quote. A cancelled order is not invoiced (409).
    """
    invoice = services.invoice_from_order(get_order(order_id), actor=api_actor())
    return created_at(_serialize(invoice), f"invoices/{invoice.id}")


@blp.route("/<uuid:invoice_id>/send", methods=["POST"])
@blp.response(200, output_schema(INVOICES))
@blp.doc(**json_body_doc(SendInvoiceInput))
def send(invoice_id):
    """Send an invoice by email

    A draft is issued first. The email goes out after the call commits, with the PDF attached
    when the plan has PDFs; an issued invoice becomes sent. Paid or void invoices: 409.
    """
    invoice = services.send_invoice(services.get_invoice(invoice_id), json_body(), actor=api_actor())
    return _serialize(invoice)


@blp.route("/<uuid:invoice_id>/issue", methods=["POST"])
@blp.response(200, output_schema(INVOICES))
def issue(invoice_id):
    """Issue a draft invoice

    Numbers and dates it (due after the workspace's payment terms unless a later due date is
    set); it can then only be paid or voided.
    """
    invoice = services.issue_invoice(services.get_invoice(invoice_id), actor=api_actor())
    return _serialize(invoice)


@blp.route("/<uuid:invoice_id>/payments", methods=["POST"])
@blp.response(201, PaymentSchema)
@blp.doc(**json_body_doc(PaymentInput))
def add_payment(invoice_id):
    """Record a payment against an issued invoice

    The invoice becomes paid when the balance reaches zero, partially paid before.
    """
    invoice = services.get_invoice(invoice_id)
    payment = services.record_payment(invoice, json_body(), actor=api_actor())
    body = {
        "id": payment.id,
        "amount": payment.amount,
        "paid_on": payment.paid_on,
        "method": payment.method,
        "reference": payment.reference,
        "invoice": _serialize(invoice),
    }
    return created_at(body, f"invoices/{invoice.id}/payments/{payment.id}")


class PaymentRow(PaymentFields):
    created_at = fields.DateTime(required=True)


class PaymentList(Schema):
    items = fields.List(fields.Nested(PaymentRow), required=True)


@blp.route("/<uuid:invoice_id>/payments", methods=["GET"])
@blp.response(200, PaymentList)
def list_payments(invoice_id):
    """The payments recorded against an invoice, oldest first

    An invoice holds a handful of payments, so they come in one page.
    """
    check_permission(api_actor(), INVOICES.permission("view"))
    return {"items": services.load_invoice_for_page(invoice_id).payments}


@blp.route("/<uuid:invoice_id>/payments/<uuid:payment_id>", methods=["GET"])
@blp.response(200, PaymentRow)
def get_payment(invoice_id, payment_id):
    """A payment recorded against an invoice (where recording one says it lives)"""
    check_permission(api_actor(), INVOICES.permission("view"))
    payments = services.load_invoice_for_page(invoice_id).payments
    found = next((payment for payment in payments if payment.id == payment_id), None)
    if found is None:
        abort(404)
    return found


@blp.route("/<uuid:invoice_id>/payments/<uuid:payment_id>", methods=["DELETE"])
@blp.response(204)
def delete_payment(invoice_id, payment_id):
    """Remove a payment recorded by mistake

    The invoice's paid amount and status are worked out again from its other payments (paid,
    partially paid, overdue, or issued). Needs the right to delete invoices; audited.
    """
    services.remove_payment(services.get_invoice(invoice_id), payment_id, actor=api_actor())


@blp.route("/<uuid:invoice_id>/void", methods=["POST"])
@blp.response(200, output_schema(INVOICES))
def void(invoice_id):
    """Void an issued invoice without payments

    It stays in the books, marked void; a draft is deleted instead (409).
    """
    invoice = services.void_invoice(services.get_invoice(invoice_id), actor=api_actor())
    return _serialize(invoice)


add_pdf_route(
    blp,
    INVOICES,
    lambda invoice_id: invoice_document(services.load_invoice_for_page(invoice_id)),
    summary="Download an invoice's PDF",
)
