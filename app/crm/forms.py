"""Form pieces every CRM form shares: owner and tag choices, custom-field inputs, and mapping
a service's dotted error keys (custom_fields.x, address.city) onto the form's own fields."""

from datetime import datetime

from flask import flash, redirect, render_template
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.errors import ValidationFailed
from app.core.forms import apply_errors
from app.crm.fields.models import FieldType

CUSTOM_PREFIX = "cf_"
ADDRESS_PARTS = ("line1", "line2", "city", "region", "postal_code", "country")


class CheckboxesField(SelectMultipleField):
    """A multi-select shown as a list of checkboxes (tags)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def owner_choices():
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db

    users = db.session.scalars(select(User).where(User.is_active_user.is_(True)).order_by(User.name)).all()
    return [("", "Unassigned")] + [(str(user.id), user.display_name) for user in users]


def tag_choices():
    from app.crm.tags.services import list_tags

    return [(str(tag.id), tag.name) for tag in list_tags()]


def custom_field(definition):
    """The WTForms field for one custom field definition."""
    label = definition.label
    description = definition.help_text
    kind = definition.field_type
    if kind == FieldType.LONG_TEXT:
        return TextAreaField(label, description=description, render_kw={"rows": 3})
    if kind == FieldType.NUMBER:
        return StringField(label, description=description, render_kw={"inputmode": "decimal"})
    if kind == FieldType.DATE:
        return DateField(label, description=description, validators=[Optional()])
    if kind == FieldType.URL:
        return URLField(label, description=description, render_kw={"placeholder": "https://"})
    if kind == FieldType.SINGLE_SELECT:
        choices = [("", "—")] + [(o, o) for o in definition.options]
        # The service checks the option and explains; WTForms' own "Not a valid choice" would not.
        return SelectField(label, description=description, choices=choices, validate_choice=False)
    if kind == FieldType.MULTI_SELECT:
        choices = [(o, o) for o in definition.options]
        return CheckboxesField(label, description=description, choices=choices, validate_choice=False)
    if kind == FieldType.CHECKBOX:
        return BooleanField(label, description=description)
    return StringField(label, description=description)


def with_custom_fields(form_class, definitions):
    """A subclass of `form_class` carrying one `cf_<key>` field per definition."""
    if not definitions:
        return form_class
    attributes = {CUSTOM_PREFIX + item.key: custom_field(item) for item in definitions}
    return type(form_class.__name__, (form_class,), attributes)


def fill_custom_fields(form, definitions, values: dict) -> None:
    """Put a record's stored custom values into the form (GET of an edit page)."""
    for item in definitions:
        field = getattr(form, CUSTOM_PREFIX + item.key)
        value = (values or {}).get(item.key)
        if item.field_type == FieldType.DATE and value:
            value = datetime.strptime(value, "%Y-%m-%d").date()
        field.data = value if value is not None else ([] if item.field_type == FieldType.MULTI_SELECT else None)
        if item.field_type == FieldType.NUMBER and value is not None:
            field.data = str(value)


def custom_values(form, definitions) -> dict:
    """{key: value} from the form's custom inputs, in the shape the services validate."""
    values = {}
    for item in definitions:
        data = getattr(form, CUSTOM_PREFIX + item.key).data
        if item.field_type == FieldType.DATE and data:
            data = data.isoformat()
        values[item.key] = data
    return values


def address_values(form) -> dict:
    return {part: getattr(form, part).data or "" for part in ADDRESS_PARTS}


def fill_address(form, record) -> None:
    form.line1.data, form.line2.data = record.address_line1, record.address_line2
    for part in ("city", "region", "postal_code", "country"):
        getattr(form, part).data = getattr(record, part)


def visible_field_definitions(object_type: str) -> list:
    """The custom fields shown on forms and lists: none when the plan lacks the feature."""
    from flask import g

    from app.crm.fields.services import list_field_definitions
    from app.plans.services import entitlements

    if not entitlements(g.tenant).has_feature("custom_fields"):
        return []
    return list_field_definitions(object_type)


def build_record_form(form_class, definitions, record=None):
    """A contact, company or lead form with owner, tag and custom-field inputs, filled from
    `record` on GET (a new record defaults to the signed-in user as owner)."""
    from flask import request
    from flask_login import current_user

    form = with_custom_fields(form_class, definitions)()
    form.owner_id.choices = owner_choices()
    form.tag_ids.choices = tag_choices()
    if request.method == "GET":
        if record is not None:
            form.fill_from(record)
            fill_custom_fields(form, definitions, record.custom_fields)
        else:
            form.owner_id.data = str(current_user.id)
    return form


def save_record_form(form, save, *, template: str, success, **context):
    """The create/edit flow every record form shares: validate, call one service, show its
    refusals inline (422), or flash and redirect to the saved record.

    `save()` runs the service and returns the record; `success(record)` returns the flash
    message and the URL to go to.
    """
    if form.validate_on_submit():
        try:
            record = save()
        except ValidationFailed as exc:
            apply_service_errors(form, exc)
        else:
            message, location = success(record)
            flash(message, "success")
            return redirect(location)
    return render_template(template, form=form, **context), (422 if form.errors else 200)


def apply_service_errors(form, error: ValidationFailed) -> None:
    """Show a service's messages beside the inputs they concern."""
    renamed = {}
    for key, messages in (error.details or {}).items():
        if key.startswith("custom_fields."):
            key = CUSTOM_PREFIX + key.removeprefix("custom_fields.")
        elif key.startswith("address."):
            key = key.removeprefix("address.")
        elif key.startswith("consent."):
            key = key.removeprefix("consent.") + "_consent"
        renamed.setdefault(key, []).extend(messages if isinstance(messages, list) else [str(messages)])
    apply_errors(form, ValidationFailed(error.message, details=renamed))


class AddressMixin:
    line1 = StringField("Street address")
    line2 = StringField("Address line 2")
    city = StringField("City")
    region = StringField("State / region")
    postal_code = StringField("Postal code")
    country = StringField("Country", description="Two-letter code, e.g. US", render_kw={"maxlength": 2})


class ConfirmForm(FlaskForm):
    """Only a CSRF token: the body of a confirmed POST button."""
