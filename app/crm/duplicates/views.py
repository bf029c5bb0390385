"""/duplicates: candidate pairs to dismiss or merge; /merge: pick the values to keep."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import can, requires_permission
from app.core.errors import ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.crm.duplicates import services
from app.crm.duplicates.merging import merge_choices, merge_list_preview, merge_preview, merge_records
from app.records.forms import ConfirmForm
from app.records.registry import find_record_type

bp = TenantBlueprint("duplicates", __name__)
register_nav_item(NavItem("Duplicates", "duplicates.index", "intersect", "duplicates.review", "settings"))


@bp.route("/duplicates")
@requires_permission("duplicates.review")
def index():
    page = services.list_pairs(actor=current_user, cursor=request.args.get("cursor"))
    return render_template(
        "crm/duplicates/index.html",
        page=page,
        records=services.pair_records(page.items),
        confirm_form=ConfirmForm(),
    )


@bp.route("/duplicates/scan", methods=["POST"])
@requires_permission("duplicates.review")
def scan():
    services.request_duplicates_scan(actor=current_user)
    flash("Looking for duplicates: new pairs show up here in a minute.", "success")
    return redirect(url_for("duplicates.index"))


@bp.route("/duplicates/<uuid:pair_id>/dismiss", methods=["POST"])
@requires_permission("duplicates.review")
def dismiss(pair_id):
    pair = services.get_pair(pair_id, actor=current_user)
    services.dismiss_pair(pair, actor=current_user)
    flash("Not duplicates: the pair will not be suggested again.", "success")
    return redirect(url_for("duplicates.index"))


@bp.route("/merge/<record_type_name>", methods=["GET", "POST"])
@requires_permission("duplicates.review")
def merge(record_type_name):
    record_type = find_record_type(record_type_name)
    if record_type is None:
        abort(404)
    if not (can(current_user, record_type.permission("edit")) and can(current_user, record_type.permission("delete"))):
        abort(403)
    ids = request.values.getlist("ids")
    errors = {}
    if request.method == "POST":
        survivor_id = request.form.get("survivor")
        values = {field.name: request.form.get(f"value.{field.name}") for field in merge_choices(record_type)}
        try:
            survivor = merge_records(
                record_type,
                survivor_id,
                [item for item in ids if item != survivor_id],
                values=values,
                actor=current_user,
            )
        except ValidationFailed as exc:
            errors = exc.details or {"ids": [exc.message]}
        else:
            flash(f"Merged into {record_type.title_of(survivor)}.", "success")
            return redirect(url_for(f"{record_type.plural}.show", **{record_type.id_arg: survivor.id}))
    try:
        records = merge_preview(record_type, ids)
    except ValidationFailed:
        abort(404)
    fields = merge_choices(record_type)
    blanks = {(field.name, str(record.id)) for field in fields for record in records if not _has_value(field, record)}
    survivor, picks = _picks(records, fields, blanks)
    return render_template(
        "crm/duplicates/merge.html",
        record_type=record_type,
        records=records,
        fields=fields,
        survivor=survivor,
        picks=picks,
        blanks=blanks,
        lists=merge_list_preview(record_type, records),
        errors=errors,
        confirm_form=ConfirmForm(),
    ), (422 if errors else 200)


def _has_value(field, record) -> bool:
    value = field.value(record)
    if isinstance(value, dict):  # an address: any of its parts
        return any(part not in (None, "") for part in value.values())
    return value is not None and value != "" and value != []


def _picks(records, fields, blanks: set) -> tuple[str, dict]:
    """The record to keep and, per field, whose value it keeps, as last posted (a refused merge
    comes back with the user's choices); else the first record, with its own values where it
    has them and the first other record's where it has none (a phone only the duplicate knew)."""
    shown = [str(record.id) for record in records]
    survivor = request.form.get("survivor")
    survivor = survivor if survivor in shown else shown[0]
    picks = {}
    for field in fields:
        picked = request.form.get(f"value.{field.name}")
        if picked not in shown:
            filled = [record_id for record_id in shown if (field.name, record_id) not in blanks]
            picked = survivor if (field.name, survivor) not in blanks or not filled else filled[0]
        picks[field.name] = picked
    return survivor, picks
