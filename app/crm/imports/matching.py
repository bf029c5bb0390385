"""Which existing record an imported row is: by email (contacts, leads), domain (companies),
or the field a type names with `match_on` (a product's SKU)."""

from sqlalchemy import select

from app.core.extensions import db
from app.records.normalize import Invalid

# Stored lower-cased, so compared lower-cased; a declared `match_on` field (a SKU) compares exactly.
MATCH_KINDS = ("emails", "email", "domain")


def match_field(record_type):
    """The type's declared `match_on` field, else its first email or domain field."""
    declared = getattr(record_type, "match_on", None)
    if declared:
        return record_type.field(declared)
    return next((field for field in record_type.fields if field.kind in MATCH_KINDS and not field.read_only), None)


def match_values(field, raw) -> list[str]:
    """The normalized values of a row's match field (several for a list of emails)."""
    fold = str.lower if field.kind in MATCH_KINDS else str
    if getattr(field, "item_keys", ()):
        return [fold(str(value)) for value in field.valid_values(raw)]
    if field.is_empty(raw):
        return []
    try:
        cleaned = field.clean(raw, None)
    except Invalid:
        return []
    return [fold(str(cleaned))] if cleaned else []


def find_existing(record_type, field, data: dict):
    """The record of this tenant the row matches, or None (one query)."""
    if field is None or field.name not in data:
        return None
    values = match_values(field, data[field.name])
    if not values:
        return None
    return next(iter(find_matches(record_type, field, values).values()), None)


def find_matches(record_type, field, values) -> dict:
    """{value: the oldest record of this tenant holding it} for the values found (one query,
    whatever their number: an import looks up a whole batch at once)."""
    values = sorted(set(values))
    if not values:
        return {}
    model = record_type.model
    collection = getattr(field, "collection", "")
    # Values are stored normalized (lower-cased emails and domains, SKUs as typed): compared
    # as they are, so the (tenant, value) index finds each in one probe.
    if collection:
        column = getattr(field.child_model, field.row_attribute)
        stmt = select(column, model).join(getattr(model, collection))
    else:
        column = getattr(model, field.attribute)
        stmt = select(column, model)
    found: dict = {}
    for value, record in db.session.execute(stmt.where(column.in_(values)).order_by(model.created_at, model.id)):
        found.setdefault(value, record)
    return found
