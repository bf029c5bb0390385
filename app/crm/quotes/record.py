"""Quotes, declared once: a title, the customer (contact, company), currency, validity, line
items, terms; number, status, version and totals are the quote's own, never typed in.

Editing a quote that was sent keeps the sent one as a version (readable, printable) and
starts the next version as a draft; an accepted quote is final.
"""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.events import emit
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.templating import day
from app.crm.deals.models import Deal
from app.crm.quotes import priced_documents
from app.crm.quotes.documents import quote_document
from app.crm.quotes.fields import LINE_KEYS, LineItems, priced_document_fields
from app.crm.quotes.models import Quote, QuoteStatus, QuoteVersion
from app.crm.quotes.settings import get_quote_settings
from app.records import fields as f
from app.records.capabilities import Panel
from app.records.normalize import workspace_currency, workspace_today


class QuoteType(priced_documents.PricedDocumentType):
    def check(self, cleaned, context):
        super().check(cleaned, context)
        valid_until = cleaned.get("valid_until")
        if valid_until is not None and context.creating and valid_until < workspace_today():
            context.errors.add("valid_until", "The validity date is in the past.")

    def locked(self, quote, action):
        if action == "edit" and quote.status == QuoteStatus.ACCEPTED:
            return "An accepted quote is final: it cannot be changed."
        # A sent quote ends as the customer's answer (on its link, or recorded by a member), or expires.
        if action == "delete" and quote.number and quote.status in QuoteStatus.OPEN:
            return f"A sent quote is kept for the record: mark it rejected if the customer said no; unanswered, it expires after {day(quote.valid_until)}."
        if action == "delete" and quote.number:
            return "A numbered quote is kept for the record."
        return None

    def before_update(self, quote, cleaned, context):
        """A change to a quote the customer has seen starts the next version; the seen one is kept."""
        if quote.status == QuoteStatus.DRAFT or not self._changes_document(quote, cleaned):
            return
        db.session.add(
            QuoteVersion(quote_id=quote.id, version=quote.version, status=quote.status, snapshot=quote_document(quote))
        )
        previous = quote.version
        quote.version = previous + 1
        quote.status = QuoteStatus.DRAFT
        quote.public_token_hash = None
        quote.public_link_expires_at = None
        quote.sent_at = quote.viewed_at = quote.rejected_at = quote.expired_at = None
        quote.rejection_reason = ""
        emit(
            "quote.revised",
            actor=context.actor,
            record=quote,
            record_type=self.name,
            summary=f"Version {quote.version} started; version {previous} is kept",
            data={"label": self.title_of(quote), "version": quote.version},
            related=self.related(quote),
        )

    def _changes_document(self, quote, cleaned) -> bool:
        for name, value in cleaned.items():
            field = self.field(name)
            if field is None:
                continue  # tags, owner: not part of what the customer sees
            if isinstance(field, LineItems):
                old = [_line_key(item) for item in field.value(quote)]
                if old != [_line_key(item) for item in value]:
                    return True
            elif isinstance(field, f.Reference):
                if getattr(quote, field.attribute) != (value.id if value is not None else None):
                    return True
            elif field.value(quote) != value:
                return True
        return False

    def fill_in_new(self, quote, cleaned):
        """A new quote also takes what its deal has, and the settings' validity."""
        settings = get_quote_settings()
        take_from_deal(quote, cleaned)
        if not cleaned.get("currency") and quote.deal is None:
            quote.currency = workspace_currency()
        if quote.valid_until is None:
            quote.valid_until = workspace_today() + timedelta(days=settings.validity_days)
        if not quote.terms:
            quote.terms = settings.default_terms

    def default_currency(self, context) -> str:
        """An empty currency is the deal's: the one submitted, else the quote's own."""
        if "deal_id" in context.data:
            deal_id = parse_uuid(context.data.get("deal_id"))
            currency = db.session.scalar(select(Deal.currency).where(Deal.id == deal_id)) if deal_id else None
        else:
            deal = context.record.deal if context.record is not None else None
            currency = deal.currency if deal is not None else None
        return currency or workspace_currency()

    def related(self, quote):
        return priced_documents.linked_records(
            (("deal", quote.deal_id), ("contact", quote.contact_id), ("company", quote.company_id))
        )


def take_from_deal(quote, cleaned: dict) -> None:
    """A quote made from a deal is in the deal's currency, for its company and main contact,
    unless those were chosen."""
    deal = quote.deal
    if deal is None:
        return
    if not cleaned.get("currency"):
        quote.currency = deal.currency
    if quote.company_id is None and deal.company_id is not None:
        quote.company_id = deal.company_id
    contact = deal.primary_contact
    if quote.contact_id is None and contact is not None:
        quote.contact_id = contact.id


def _line_key(item: dict) -> tuple:
    return tuple(item[key] for key in LINE_KEYS)


def _lines_panel(record_type, quote) -> dict:
    return {"document": quote_document(quote)}


def _status_panel(record_type, quote) -> dict:
    return {"quote": quote, "versions": list(quote.versions)}


QUOTES = QuoteType(
    name="quote",
    model=Quote,
    icon="file-earmark-text",
    title="display_title",
    nav_order=65,
    description="Priced proposals: line items, discounts, tax, numbering, versions, PDF, online acceptance.",
    example_title="Website redesign",
    lines_panel=_lines_panel,
    tab_on=("deal", "contact", "company"),
    tab_order=40,
    fields=[
        *priced_documents.title_and_number_fields(),
        priced_documents.status_field(QuoteStatus, QuoteStatus.DRAFT, read_only=True),
        f.Number("version", "Version", read_only=True),
        f.Reference(
            "deal_id",
            "Deal",
            to="deal",
            relation="deal",
            filter=True,
            search=True,
            help="The deal's currency, company and contact fill in what you leave empty",
        ),
        *priced_documents.customer_fields(),
        priced_documents.currency_field(),
        f.DateField("valid_until", "Valid until", filter=True, list=True, help="Empty: the settings' validity"),
        f.LongText(
            "introduction",
            "Introduction",
            section="Line items",
            max_length=5000,
            hide_empty=True,
            detail=False,
            help="A note to the customer above the lines",
        ),
        *priced_document_fields(),
        f.Email("recipient_email", "Sent to", read_only=True, hide_empty=True),
        f.DateTimeField("sent_at", "Sent", read_only=True, filter=True, detail=False),
        f.DateTimeField("viewed_at", "First viewed", read_only=True, detail=False),
        f.DateTimeField("accepted_at", "Accepted", read_only=True, detail=False),
        f.DateTimeField("rejected_at", "Rejected", read_only=True, detail=False),
        f.DateTimeField("expired_at", "Expired", read_only=True, detail=False),
        f.Text("accepted_name", "Accepted by", read_only=True, detail=False),
        f.Text("rejection_reason", "Why it was rejected", read_only=True, detail=False),
    ],
    panels=[Panel("status", "crm/quotes/_status_panel.html", _status_panel, order=1)],
    load={
        "detail": lambda: [selectinload(Quote.versions)],
    },
    empty_text="No quotes yet: price a deal's work and send it for acceptance.",
)
