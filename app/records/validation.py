"""The one validator of every record type: forms, the API, imports and automations call it.

It takes raw values (strings from a form or a CSV cell, JSON values from the API) and returns
the values to store, or raises ValidationFailed with every problem of the submission keyed
by field (`details={"emails": [...], "address.city": [...], "custom_fields.tier": [...]}`).
"""

from app.core.validation import READ_ONLY_KEYS, check_known_keys
from app.records.capabilities import Context
from app.records.normalize import Invalid


def check_input_keys(record_type, data) -> None:
    """Only the type's input keys: identity, stamps and read-only fields are refused."""
    read_only = READ_ONLY_KEYS | {item.name for item in record_type.fields if item.read_only}
    check_known_keys(data, record_type.input_keys(), read_only=read_only)


def clean_input(
    record_type, data: dict, *, record=None, actor=None, shared: dict | None = None
) -> tuple[dict, Context]:
    """Check `data` for a new record (`record` None) or a partial update of `record`.

    Only keys present in `data` are checked and returned; a missing required field is an
    error only when creating. Submissions checked together pass one `shared` dict (see
    `Context.remember`).
    """
    check_input_keys(record_type, data)
    context = Context(record_type, record, data, actor, shared=shared if shared is not None else {})
    cleaned: dict = {}
    for field in record_type.writable_fields:
        if field.name in data:
            try:
                cleaned[field.name] = field.check(data[field.name], context)
            except Invalid as exc:
                for message in exc.messages:
                    context.errors.add(field.name, message)
        elif record is None and field.required:
            context.errors.add(field.name, f"{field.label} is required.")
    for capability in record_type.capabilities:
        cleaned.update(capability.clean(record_type, data, context))
    record_type.check(cleaned, context)
    context.errors.raise_if_any()
    return cleaned, context
