"""Download one record's personal data as JSON, or erase it (behind a confirmation)."""

import json

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from app.core.hosts import TenantBlueprint
from app.crm.imports.services import import_of_record
from app.crm.privacy.services import erase_record, personal_data
from app.plans.status import allow_when_read_only
from app.records.forms import ConfirmForm
from app.records.registry import find_record_type
from app.records.services import get_record

bp = TenantBlueprint("privacy", __name__)


def _record(record_type_name, record_id):
    record_type = find_record_type(record_type_name)
    if record_type is None or not record_type.about_a_person:
        abort(404)
    return record_type, get_record(record_type, record_id, actor=current_user, detail=True)


@bp.route("/privacy/<record_type_name>/<uuid:record_id>/data.json")
@login_required
def export(record_type_name, record_id):
    record_type, record = _record(record_type_name, record_id)
    body = json.dumps(personal_data(record_type, record, actor=current_user), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{record_type.name}-{record.id}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# A workspace that is suspended or behind on payment still owes a person the erasure they ask
# for (and a download of their data, a GET): erasing is not the kind of change read-only stops.
allow_when_read_only("privacy.erase")


@bp.route("/privacy/<record_type_name>/<uuid:record_id>/erase", methods=["POST"])
@login_required
def erase(record_type_name, record_id):
    record_type, record = _record(record_type_name, record_id)
    erase_record(record_type, record, actor=current_user)
    flash("Personal data erased. An audit entry records that it was done, without the data.", "success")
    return redirect(url_for(f"{record_type.plural}.show", **{record_type.id_arg: record.id}))


def privacy_panel(record_type, record) -> dict:
    """The record's data panel: where it came from (the import that created it) and its
    personal data actions."""

    return {"confirm_form": ConfirmForm(), "imported_by": import_of_record(record.id)}
