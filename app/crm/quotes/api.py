"""REST v1 quotes: the kit's resource, plus the PDF and sending."""

from marshmallow import Schema, fields, validate

from app.api.gate import api_actor
from app.auth.permissions import check_permission
from app.crm.quotes import services
from app.crm.quotes.documents import quote_document
from app.crm.quotes.pdf_routes import add_pdf_route
from app.crm.quotes.record import QUOTES
from app.crm.quotes.sending import MAX_MESSAGE
from app.records.api import json_body, json_body_doc, record_api_blueprint
from app.records.schemas import output_schema, serialize

blp = record_api_blueprint(QUOTES)


class SendQuoteInput(Schema):
    to = fields.Email(required=True, validate=validate.Length(max=254), metadata={"description": "The customer"})
    message = fields.String(validate=validate.Length(max=MAX_MESSAGE), metadata={"description": "Above the link"})


class SentQuoteSchema(Schema):
    quote = fields.Nested(output_schema(QUOTES), required=True)
    link = fields.Url(required=True, metadata={"description": "The public link (also in the email)"})


@blp.route("/<uuid:quote_id>/send", methods=["POST"])
@blp.response(200, SentQuoteSchema)
@blp.doc(**json_body_doc(SendQuoteInput))
def send(quote_id):
    """Send a quote

    Numbers it on the first send, issues a public link (a previous one stops working) and
    emails it after the call commits. A draft, sent or viewed quote can be sent.
    """
    actor = api_actor()
    quote = services.get_quote(quote_id)
    check_permission(actor, QUOTES.permission("edit"))
    link = services.send_quote(quote, json_body(), actor=actor)
    return {"quote": serialize(QUOTES, services.load_quote_for_page(quote.id)), "link": link}


class RejectQuoteInput(Schema):
    reason = fields.String(
        required=True, validate=validate.Length(min=1, max=1000), metadata={"description": "What the customer said"}
    )


@blp.route("/<uuid:quote_id>/reject", methods=["POST"])
@blp.response(200, output_schema(QUOTES))
@blp.doc(**json_body_doc(RejectQuoteInput))
def reject(quote_id):
    """Mark a quote rejected

    Records a no the customer gave another way (a call, an email), with its reason. A sent or
    viewed quote can be rejected (409 otherwise).
    """
    actor = api_actor()
    quote = services.get_quote(quote_id)
    services.reject_quote(quote, json_body(), actor=actor)
    return serialize(QUOTES, services.load_quote_for_page(quote.id))


add_pdf_route(
    blp,
    QUOTES,
    lambda quote_id: quote_document(services.load_quote_for_page(quote_id)),
    summary="Download a quote's PDF",
)
