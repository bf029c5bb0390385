"""Segment pages: the list of segments, the builder (AND/OR groups with a live count), and a
segment opened as the list of its records (bulk actions and exports included)."""

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import can, requires_permission
from app.core.errors import ValidationFailed
from app.core.forms import delete_and_redirect
from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.core.navigation import NavItem, register_nav_item
from app.crm.segments import services
from app.crm.segments.models import Visibility
from app.crm.tags.capability import tag_choices
from app.records.conditions import describe_conditions, empty_definition
from app.records.forms import RecordForm
from app.records.owner import owner_choices
from app.records.pages import list_context, sort_link
from app.records.registry import find_record_type, record_types
from app.records.templating import reference_options

bp = TenantBlueprint("segments", __name__)
register_nav_item(NavItem("Segments", "segments.index", "collection", "segments.view", group="marketing", order=62))


def builder_conditions(record_type, definition=None) -> list[dict]:
    """The type's conditions for the builder, with the choices of users and tags filled in,
    and of records a reference points at (the first by name, those `definition` names, and
    where to search the others) when the user may see them."""

    described = describe_conditions(record_type)
    for item in described:
        if item["kind"] == "user":
            item["choices"] = {"me": "Me (whoever opens it)", **dict(owner_choices()[1:])}
        elif item["kind"] == "tags":
            item["choices"] = dict(tag_choices())
        elif item["kind"] == "reference" and item["references"]:
            target = find_record_type(item["references"])
            if target is not None and can(current_user, target.permission("view")):
                item["choices"] = _reference_choices(target, _rule_values(definition, item["key"]))
                item["options_url"] = url_for(f"{target.plural}.options")
    return described


def _reference_choices(target, chosen: list[str]) -> dict:
    choices = dict(reference_options(target.name))
    for value in chosen:
        if value not in choices:
            choices.update(option for option in reference_options(target.name, value) if option[0] == value)
    return choices


def _rule_values(group, key: str) -> list[str]:
    """The values the rules of `key` hold, anywhere in the definition's groups."""
    if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
        return []
    values = []
    for rule in group["rules"]:
        if isinstance(rule, dict) and "rules" in rule:
            values += _rule_values(rule, key)
        elif isinstance(rule, dict) and rule.get("field") == key and isinstance(rule.get("value"), str):
            values.append(rule["value"])
    return values


def _segment_types() -> list:
    return [item for item in record_types() if can(current_user, item.permission("view"))]


@bp.route("/segments")
@requires_permission("segments.view")
def index():
    segments = services.list_segments(actor=current_user)
    return render_template(
        "crm/segments/index.html",
        segments=segments,
        types={item.name: item for item in record_types()},
    )


def _form_page(segment, data: dict, errors: dict, status: int = 200):
    record_type = find_record_type(data.get("record_type")) or find_record_type("contact")
    return render_template(
        "crm/segments/form.html",
        segment=segment,
        data=data,
        errors=errors,
        record_type=record_type,
        types=_segment_types(),
        visibilities=Visibility.LABELS,
        conditions=builder_conditions(record_type, data.get("definition")),
        definition_json=json.dumps(data.get("definition") or empty_definition()),
        form=RecordForm(),
    ), status


def _submitted() -> dict:
    raw = request.form.get("definition") or ""
    try:
        definition = json.loads(raw) if raw.strip() else empty_definition()
    except ValueError:
        definition = raw  # the service refuses it with a message
    return {
        "name": request.form.get("name", ""),
        "description": request.form.get("description", ""),
        "record_type": request.form.get("record_type", "contact"),
        "visibility": request.form.get("visibility", Visibility.SHARED),
        "definition": definition,
    }


def _errors_of(exc: ValidationFailed) -> dict:
    return exc.details or {"_form": [exc.message]}


@bp.route("/segments/new", methods=["GET", "POST"])
@requires_permission("segments.create")
def new():
    if request.method == "GET":
        type_name = request.args.get("type", "contact")
        if find_record_type(type_name) is None:
            abort(404)
        return _form_page(None, {"record_type": type_name, "visibility": Visibility.SHARED}, {})
    data = _submitted()
    try:
        segment = services.create_segment(data, actor=current_user)
    except ValidationFailed as exc:
        return _form_page(None, data, _errors_of(exc), 422)
    flash(f"Segment “{segment.name}” saved.", "success")
    return redirect(url_for("segments.show", segment_id=segment.id))


@bp.route("/segments/<uuid:segment_id>/edit", methods=["GET", "POST"])
@requires_permission("segments.edit")
def edit(segment_id):
    segment = services.get_segment(segment_id, actor=current_user)
    if not services.may_change(segment, current_user):
        abort(403)
    if request.method == "GET":
        data = {
            "name": segment.name,
            "description": segment.description,
            "record_type": segment.record_type,
            "visibility": segment.visibility,
            "definition": segment.definition,
        }
        return _form_page(segment, data, {})
    data = {**_submitted(), "record_type": segment.record_type}
    try:
        services.update_segment(segment, data, actor=current_user)
    except ValidationFailed as exc:
        return _form_page(segment, data, _errors_of(exc), 422)
    flash(f"Segment “{segment.name}” saved.", "success")
    return redirect(url_for("segments.show", segment_id=segment.id))


@bp.route("/segments/count", methods=["POST"])
@requires_permission("segments.view")
def count():
    """The live count of the builder (HTMX): how many records the definition matches now."""
    data = _submitted()
    try:
        matched, capped = services.preview_count(data["record_type"], data["definition"], actor=current_user)
    except ValidationFailed as exc:
        return render_template("crm/segments/_count.html", errors=_errors_of(exc), count=None), 200
    record_type = find_record_type(data["record_type"])
    return render_template("crm/segments/_count.html", count=matched, capped=capped, record_type=record_type, errors={})


@bp.route("/segments/<uuid:segment_id>")
@requires_permission("segments.view")
def show(segment_id):
    segment = services.get_segment(segment_id, actor=current_user)
    record_type = services.segment_record_type(segment)
    if not can(current_user, record_type.permission("view")):
        abort(403)
    try:
        where = [services.segment_condition(segment, actor=current_user)]
    except ValidationFailed as exc:
        # A field the definition names is gone (a custom field deleted): say so, list nothing.
        flash(
            "This segment names a field that no longer exists: " + "; ".join(exc.detail_messages()),
            "warning",
        )
        where = [services.never()]
    context, status = list_context(record_type, request.args, where=where)
    context["sort_link"] = lambda key: sort_link(record_type, key, context["sort"])
    if is_htmx(target="record-list"):
        return render_template("records/_list.html", **context), status
    return render_template(
        "crm/segments/show.html",
        segment=segment,
        may_change=services.may_change(segment, current_user),
        may_delete=services.may_change(segment, current_user) and can(current_user, "segments.delete"),
        may_export=can(current_user, record_type.permission("export")),
        conditions={item["key"]: item for item in builder_conditions(record_type, segment.definition)},
        **context,
    ), status


@bp.route("/segments/<uuid:segment_id>/delete", methods=["POST"])
@requires_permission("segments.delete")
def delete(segment_id):
    segment = services.get_segment(segment_id, actor=current_user)
    return delete_and_redirect(
        segment,
        services.delete_segment,
        "Segment “{name}” deleted.",
        url_for("segments.index"),
        refused_to=url_for("segments.show", segment_id=segment.id),
    )
