"""What create, edit and delete pages share: the form base, a service's refusal shown beside the
form's inputs, and a delete that says what it deleted."""

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect
from flask_login import current_user
from flask_wtf import FlaskForm

from app.core.errors import Conflict, ValidationFailed
from app.core.form_messages import PLAIN_WORDS
from app.core.transactions import undone_if_refused

Saved = TypeVar("Saved")


class PageForm(FlaskForm):
    """Every form of a page: Flask-WTF's (with its CSRF token), and WTForms' own messages in
    plain words ("Use at most 80 characters.", not "Field cannot be longer than 80 characters.")."""

    class Meta:
        def get_translations(self, form):
            return PLAIN_WORDS


class CheckedByService:
    """Marks an input required (its label's star) whose presence the service checks, with
    the page's other rules, so that every error shows at once rather than this one first."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        """Nothing to check here: the service refuses an empty value, beside the page's other errors."""


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


def save_form(form, save: Callable[[], Saved]) -> Saved | None:
    """What `save()` saved, once `form` validates and the service accepts it; None when either
    refused, with the messages beside the form's inputs for the page to show again (a 422).

    Every create and edit page has this shape: the form checks what it can, the service has the
    last word, and a refusal from either goes back onto the form."""
    if not form.validate_on_submit():
        return None
    try:
        with undone_if_refused():
            return save()
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return None


def act_on_form(form, act: Callable[[], object]) -> bool:
    """save_form() for a service that hands nothing back: True once `form` validates and `act()`
    ran; False when either refused, with the messages beside the form's inputs."""

    def acted() -> bool:
        act()
        return True

    return save_form(form, acted) is not None


def delete_and_redirect(row, delete: Callable[..., object], message: str, to: str, *, refused_to: str | None = None):
    """Delete `row` by the service `delete(row, actor=current_user)`, flash `message` as a
    success with `{name}` the row's name, and redirect to `to`: a settings page's delete button.
    A service that may refuse (a `Conflict`: the row is still in use) is given `refused_to`: its
    reason is flashed as a danger there instead.

    The name is read before the service runs, for a deleted row's attributes may no longer load."""
    name = row.name
    try:
        with undone_if_refused():
            delete(row, actor=current_user)
    except Conflict as exc:
        if refused_to is None:
            raise
        flash(exc.message, "danger")
        return redirect(refused_to)
    flash(message.format(name=name), "success")
    return redirect(to)
