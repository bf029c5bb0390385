"""What the declarations of the priced documents (quotes, orders, invoices) share: the type
they are declared with, the fields they open with, the customer in their subtitle, totals
summed from their lines, the tab of a customer's newest documents, and the row lock taken
before money or an answer changes one. Subscriptions reuse the customer and status fields and
the tab."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.core.currencies import CURRENCIES
from app.core.extensions import db
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.attachments.capability import ATTACHMENTS
from app.crm.deals.currencies import ISO_4217
from app.crm.quotes.fields import stored_line_input
from app.crm.quotes.settings import get_quote_settings
from app.crm.quotes.totals import LineAmounts, document_totals
from app.crm.tags.capability import TAGS
from app.records import fields as f
from app.records.capabilities import Panel, Tab
from app.records.loading import together
from app.records.normalize import Invalid, workspace_currency
from app.records.owner import OWNER
from app.records.record_type import RecordType

# A tab of a customer's documents shows the newest this many.
TAB_LIMIT = 50
# The workspace's currencies and every currency a deal may be in (a quote takes its deal's).
QUOTE_CURRENCIES = {code: code for code in sorted({*CURRENCIES, *ISO_4217})}


# The field helpers build new fields on each call: a field binds to the one model it is declared on.


def title_and_number_fields() -> list[f.Field]:
    """The title typed in, and the number the document is given (never typed in). A list row's
    title already leads with the number (`display_title`), so the number is not a column too."""
    return [
        f.Text("title", "Title", max_length=200, required=True, search=True, sort=True, detail=False),
        f.Text("number", "Number", nullable=True, read_only=True, search=True),
    ]


def customer_fields() -> list[f.Field]:
    """Who the document is for: a contact, a company, or both."""
    return [
        f.Reference("contact_id", "Contact", to="contact", relation="contact", filter=True, search=True),
        f.Reference("company_id", "Company", to="company", relation="company", filter=True, search=True, list=True),
    ]


def status_field(statuses, default: str, **options) -> f.Field:
    """Where the document stands: one of its status class's LABELS, a list filter and a column
    that stays on a phone (paid or not, accepted or not, is what a row is read for)."""
    return f.Choice(
        "status",
        "Status",
        choices=statuses.LABELS,
        default=default,
        filter=True,
        list_on_phones=True,
        # The colours of the badge on the document's own page, on its lists and details too.
        badges=getattr(statuses, "BADGES", None),
        **options,
    )


def currency_field() -> f.Field:
    return f.Choice(
        "currency",
        "Currency",
        choices=QUOTE_CURRENCIES,
        blank=True,
        help="Empty: the workspace's currency",
    )


def customer_subtitle(document) -> str:
    """ "Company · Contact", or whichever of the two the document has."""
    customer = (
        document.company.name if document.company else "",
        document.contact.display_name if document.contact else "",
    )
    return " · ".join(part for part in customer if part)


def set_totals(document) -> None:
    """The document's subtotal, discounts, tax and total: the sums of its lines' rounded amounts."""
    totals = document_totals(
        LineAmounts(line.subtotal, line.discount_amount, line.tax_amount) for line in document.lines
    )
    document.subtotal, document.discount_total, document.tax_total = totals.subtotal, totals.discount, totals.tax
    document.total = totals.total


def sales_tab(plural: str, label: str, loader, *, icon: str, order: int) -> Tab:
    """A tab of a deal's, contact's or company's page listing its records of one sales type:
    the type's `_tab.html` template, shown to those who may view that type."""
    return Tab(plural, label, f"crm/{plural}/_tab.html", loader, icon=icon, order=order, permission=f"{plural}.view")


def documents_tab(model, column, plural: str, label: str, *, icon: str, order: int) -> Tab:
    """The tab of a record's newest documents of one type (`model` rows whose `column` points
    at the record), with the arguments of the tab's "New …" button that starts one for it
    (the orders tab has none: orders come from quotes)."""

    def load(record_type, record) -> dict:
        return {plural: latest_documents(model, column, record), "new_args": {column.key: record.id}}

    return sales_tab(plural, label, load, icon=icon, order=order)


def latest_documents(model, column, record) -> list:
    """The newest documents (of `model`) whose `column` points at the record, for its tab."""
    newest_first = select(model).where(column == record.id).order_by(model.created_at.desc()).limit(TAB_LIMIT)
    return list(db.session.scalars(newest_first))


def lock_document(document):
    """The document read again under a row lock (SELECT … FOR UPDATE on PostgreSQL): whoever
    changes it at the same moment (a second payment, a second answer) waits until this
    transaction ends, then sees what it changed."""
    model = type(document)
    return db.session.scalars(
        select(model)
        .where(model.tenant_id == document.tenant_id, model.id == document.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def linked_records(pairs) -> list[tuple[str, object]]:
    """The (record type, id) pairs the document is linked to, leaving out the empty links."""
    return [(kind, value) for kind, value in pairs if value]


class PricedDocumentType(RecordType):
    """The declaration of a quote, order or invoice: titled and numbered, for a customer,
    priced in line items. Each is in the sales menu, newest first, with an owner, tags, a
    timeline, notes and files.

    Its subtitle names the customer, and a list page loads each row's contact with the page for
    that subtitle (a declaration's `load["list"]` may load more). Its page is
    `crm/<plural>/show.html`, with the lines panel (`crm/<plural>/_lines_panel.html`, filled by
    `lines_panel`) first in the main column, so the page loads the lines with the document (a
    declaration's `load["detail"]` adds what its own panels read); an API row carries its lines. The pages of the
    records it points at (`tab_on`: "deal", "contact", …) show a tab of their newest ones.

    A new one is in the workspace's currency with the default terms unless it was given
    others (`fill_in_new`); its totals are always the sums of its lines."""

    def __init__(
        self,
        *,
        example_title: str,
        lines_panel: Callable,
        tab_on: tuple[str, ...],
        tab_order: int,
        panels: list[Panel] = (),
        load: dict,
        contributes: list[tuple[str, object]] = (),
        **declaration,
    ):
        model = declaration["model"]
        also_on_detail = load.get("detail", list)
        super().__init__(
            subtitle=customer_subtitle,
            default_sort="-created_at",
            nav_group="sales",
            example={
                "title": example_title,
                "lines": [{"description": "Design sprint", "quantity": "1", "unit_price": "4800.00"}],
            },
            capabilities=[OWNER, TAGS, TIMELINE, NOTES, ATTACHMENTS],
            panels=panels,
            load={
                "api": lambda: [together(model.lines)],
                "list": lambda: [joinedload(model.contact)],
                **load,
                "detail": lambda: [selectinload(model.lines), *also_on_detail()],
            },
            contributes=contributes,
            **declaration,
        )
        # What is named after the plural, now that the declaration has settled it.
        plural = self.plural
        self._panels.insert(0, Panel("lines", f"crm/{plural}/_lines_panel.html", lines_panel, order=1, column="main"))
        self.templates["show"] = f"crm/{plural}/show.html"
        self.contributes[:0] = [
            (
                name,
                documents_tab(
                    model, getattr(model, f"{name}_id"), plural, self.label_plural, icon=self.icon, order=tab_order
                ),
            )
            for name in tab_on
        ]

    def check(self, cleaned, context):
        """A document moved to another currency without new lines has its lines checked and
        priced again in it, as lines submitted with it would be: a product priced in another
        currency is refused, and yen are rounded to the yen."""
        document = context.record
        if document is None or "lines" in cleaned or not document.lines:
            return
        if self.submitted_currency(context) == document.currency:
            return
        lines = self.field("lines")
        try:
            cleaned["lines"] = lines.check([stored_line_input(line) for line in document.lines], context)
        except Invalid as exc:
            for message in exc.messages:
                context.errors.add("lines", message)

    def submitted_currency(self, context) -> str:
        """The currency a submission leaves the document in: the one chosen, else the one it is
        in (when the submission does not name one), else the one an empty choice means. A
        choice that is not text (`"currency": 2`) is the currency field's error to report; the
        lines are priced as if it had not been sent."""
        chosen = context.data.get("currency")
        named = "currency" in context.data and isinstance(chosen, str | None)
        if named and chosen:
            return chosen
        if context.record is not None and not named:
            return context.record.currency
        return self.default_currency(context)

    def default_currency(self, context) -> str:
        """What an empty currency means for the submission: the workspace's."""
        return workspace_currency()

    def before_save(self, document, cleaned, context):
        if context.creating:
            self.fill_in_new(document, cleaned)
        elif not document.currency:
            # An emptied choice means what it means on a new document, as the field's help says.
            document.currency = self.default_currency(context)
        set_totals(document)

    def fill_in_new(self, document, cleaned: dict) -> None:
        """What a new document takes when it was not given it."""
        if not cleaned.get("currency"):
            document.currency = workspace_currency()
        if not document.terms:
            document.terms = get_quote_settings().default_terms
