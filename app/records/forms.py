"""HTML forms of record types: the form only renders and carries CSRF; the submitted values go
to the type's one validator, whose messages come back beside their inputs."""

from app.core.forms import PageForm


class ConfirmForm(PageForm):
    """Only a CSRF token: the body of a confirmed POST button."""


class RecordForm(PageForm):
    """CSRF for a record's create/edit form; its inputs are rendered from the declaration."""


def data_from_form(record_type, form, *, record=None) -> dict:
    """The raw input a submitted form carries, in the shape the API takes.

    Only inputs the form really had are included, so an edit form changes what it shows
    and nothing else.
    """
    data = {}
    for field in record_type.writable_fields:
        value = field.from_form(form)
        if value is not None:
            data[field.name] = value
    for capability in record_type.capabilities:
        data.update(capability.from_form(record_type, form))
    return data
