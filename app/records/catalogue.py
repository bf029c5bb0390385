"""The field catalogue: every field of every record type, described once for the features that
work across types — import mapping, export columns, segment conditions, automations, webhooks
and the API's `/record-types` document."""

from app.records.capabilities import catalogue_entry
from app.records.registry import record_types

TIMESTAMPS = (("created_at", "Created"), ("updated_at", "Updated"))


def field_catalogue(record_type) -> list[dict]:
    """Declared fields, then what capabilities add (owner, tags, this tenant's custom fields),
    then the stamps every record has."""
    entries = [field.catalogue_entry() for field in record_type.fields]
    for capability in record_type.capabilities:
        entries.extend(capability.catalogue(record_type))
    for name, label in TIMESTAMPS:
        entries.append(catalogue_entry(name, label, "datetime", read_only=True, filterable=True, sortable=True))
    return entries


def describe(record_type) -> dict:
    return {
        "name": record_type.name,
        "plural": record_type.plural,
        "label": record_type.label,
        "label_plural": record_type.label_plural,
        "capabilities": [capability.key for capability in record_type.capabilities],
        "counted_by": record_type.meter,
        "sorts": list(record_type.sorts()),
        "filters": record_type.filter_params(),
        "fields": field_catalogue(record_type),
    }


def catalogue() -> list[dict]:
    return [describe(record_type) for record_type in record_types()]


def export_columns(record_type) -> list[tuple[str, str, object]]:
    """(name, label, read(record)) of every exported column, in catalogue order."""
    columns = [("id", "ID", lambda record: str(record.id))]
    columns.extend((field.name, field.label, field.export_value) for field in record_type.fields if field.export)
    for capability in record_type.capabilities:
        columns.extend(capability.export_columns(record_type))
    columns.append(("created_at", "Created", lambda record: record.created_at.isoformat()))
    columns.append(("updated_at", "Updated", lambda record: record.updated_at.isoformat()))
    return columns
