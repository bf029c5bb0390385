"""Saving a page's form through its service, the shape of every create and edit page: the form
checks what it can, the service has the last word, and a refusal from either goes back onto the
form so that the page can show it again."""

from collections.abc import Callable
from typing import TypeVar

from app.core.errors import ValidationFailed
from app.records.forms import apply_service_errors

Saved = TypeVar("Saved")


def save_form(form, save: Callable[[], Saved]) -> Saved | None:
    """What `save()` saved, once `form` validates and the service accepts it; None when either
    refused, with the messages beside the form's inputs for the page to show again (a 422).

    `save` runs only after the form validates, and returns what it saved, as every create_* and
    update_* service does."""
    if not form.validate_on_submit():
        return None
    try:
        return save()
    except ValidationFailed as exc:
        apply_service_errors(form, exc)
        return None
