"""A priced document copied into a new one (an accepted quote into its order or invoice, an
order into its invoice): the same customer, currency, terms and lines, as record input, so the
copy goes through the one validator and its amounts equal the original's."""

from collections.abc import Iterator
from contextlib import contextmanager

from app.crm.quotes.fields import COPIED_PRODUCTS, stored_line_input


def line_input(line, currency: str) -> dict:
    """A stored priced line (a quote's, an order's) as line-item input: the same description,
    price, discount and tax, so the copy's amounts equal the original's. A product since
    priced in another currency than the document's is not linked on the copy: the validator
    would refuse it, and a customer's acceptance must not fail on a later catalogue change."""
    values = stored_line_input(line)
    if line.product is not None and line.product.currency != currency:
        values.pop("product_id", None)
    return values


def copy_input(source, *, deal_id=None, owner_id=None) -> dict:
    """The source's title, customer, currency, terms and lines as input for a new record; the
    deal and owner only when given. Empty values are left out: the new record's defaults apply."""
    data = {
        "title": source.title,
        "deal_id": deal_id and str(deal_id),
        "contact_id": source.contact_id and str(source.contact_id),
        "company_id": source.company_id and str(source.company_id),
        "currency": source.currency,
        "terms": source.terms,
        "owner_id": owner_id and str(owner_id),
        "lines": [line_input(line, source.currency) for line in source.lines],
    }
    return {key: value for key, value in data.items() if value}


@contextmanager
def copying_from(source) -> Iterator[None]:
    """While the copy of `source` is made: its lines' products are taken even when no longer
    sold (an order of a quote accepted after a product was retired must still be made)."""
    token = COPIED_PRODUCTS.set(frozenset(line.product_id for line in source.lines if line.product_id))
    try:
        yield
    finally:
        COPIED_PRODUCTS.reset(token)
