"""Glue between service errors and WTForms: show a service's field messages inline."""

from app.core.errors import ValidationFailed


def apply_errors(form, error: ValidationFailed) -> None:
    """Attach each message of `error.details` to the matching field, the rest to the form."""
    placed = False
    for name, messages in (error.details or {}).items():
        field = getattr(form, name, None)
        messages = messages if isinstance(messages, list) else [str(messages)]
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.extend(messages)
            placed = True
        else:
            form.form_errors.extend(messages)
            placed = True
    if not placed:
        form.form_errors.append(error.message)
