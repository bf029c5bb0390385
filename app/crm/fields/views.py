"""/settings/fields: admins define, reorder, edit and delete custom fields per object."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.forms import save_form
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.core.text import in_a_list
from app.crm.fields import services
from app.crm.fields.forms import EditFieldDefinitionForm, NewFieldDefinitionForm
from app.crm.fields.models import FieldType
from app.crm.fields.services import custom_field_types
from app.plans.services import entitlements
from app.records.forms import ConfirmForm

bp = TenantBlueprint("fields", __name__)
register_nav_item(NavItem("Custom fields", "fields.index", "ui-checks", "fields.manage", "settings"))


def _object_type() -> str:
    object_type = request.values.get("object", "contact")
    if object_type not in custom_field_types():
        abort(404)
    return object_type


def _render(object_type: str, form=None, status=200):
    ent = entitlements(g.tenant)
    form = form or NewFieldDefinitionForm(object_type=object_type)
    return render_template(
        "crm/fields/index.html",
        object_type=object_type,
        object_types=custom_field_types(),
        # What takes custom fields, as the record types declare it.
        with_fields=in_a_list(label.lower() for label in custom_field_types().values()),
        definitions=services.list_field_definitions(object_type),
        form=form,
        field_types=FieldType.LABELS,
        has_feature=ent.has_feature("custom_fields"),
        limit=ent.limit("custom_fields"),
        used=ent.used("custom_fields"),
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/settings/fields")
@requires_permission("fields.manage")
def index():
    return _render(_object_type())


@bp.route("/settings/fields", methods=["POST"])
@requires_permission("fields.manage")
def create():
    form = NewFieldDefinitionForm()
    object_type = form.object_type.data if form.object_type.data in custom_field_types() else "contact"
    definition = save_form(form, lambda: services.create_field_definition(form.to_data(), actor=current_user))
    if definition is None:
        return _render(object_type, form, 422)
    flash(f"Field “{definition.label}” added.", "success")
    return redirect(url_for("fields.index", object=object_type))


@bp.route("/settings/fields/<uuid:field_id>/edit", methods=["GET", "POST"])
@requires_permission("fields.manage")
def edit(field_id):
    definition = services.get_field_definition(field_id)
    form = EditFieldDefinitionForm()
    if request.method == "GET":
        form.fill_from(definition)
    saved = save_form(form, lambda: services.update_field_definition(definition, form.to_data(), actor=current_user))
    if saved is not None:
        flash("Field saved.", "success")
        return redirect(url_for("fields.index", object=definition.object_type))
    return render_template("crm/fields/edit.html", form=form, definition=definition, field_types=FieldType.LABELS), (
        422 if form.errors else 200
    )


@bp.route("/settings/fields/<uuid:field_id>/move", methods=["POST"])
@requires_permission("fields.manage")
def move(field_id):
    definition = services.get_field_definition(field_id)
    services.move_field_definition(definition, request.form.get("direction", ""), actor=current_user)
    return redirect(url_for("fields.index", object=definition.object_type))


@bp.route("/settings/fields/<uuid:field_id>/delete", methods=["POST"])
@requires_permission("fields.manage")
def delete(field_id):
    definition = services.get_field_definition(field_id)
    services.delete_field_definition(definition, actor=current_user)
    flash(f"Field “{definition.label}” and its values deleted.", "success")
    return redirect(url_for("fields.index", object=definition.object_type))
