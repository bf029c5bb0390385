"""Pipeline settings: pipelines, their stages (reordered by dragging) and the close reasons.
Everyone may look; managers change. Refused input re-renders the page with the errors inline."""

from collections.abc import Callable

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import can, requires_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.forms import delete_and_redirect
from app.core.ids import parse_uuid
from app.core.text import plural
from app.core.transactions import undone_if_refused
from app.crm.deals.models import StageKind
from app.crm.deals.services import pipelines as service
from app.crm.deals.services.deals import deal_counts_by_stage
from app.crm.deals.views import bp
from app.plans.services import entitlements
from app.records.forms import ConfirmForm

STAGE_KEYS = ("name", "probability", "color", "rotting_days", "kind")


def _page(errors: dict | None = None, submitted: dict | None = None):
    service.default_pipeline()
    pipelines = service.list_pipelines()
    ent = entitlements(g.tenant)
    limit = ent.limit("pipelines")
    return render_template(
        "crm/deals/pipelines.html",
        pipelines=pipelines,
        counts={pipeline.id: deal_counts_by_stage(pipeline.id) for pipeline in pipelines},
        reasons={kind: service.list_reasons(kind, active_only=False) for kind in StageKind.CLOSED},
        kinds=StageKind.LABELS,
        errors=errors or {},
        submitted=submitted or {},
        can_edit=can(current_user, "pipelines.edit"),
        can_create=can(current_user, "pipelines.create"),
        can_delete=can(current_user, "pipelines.delete"),
        at_limit=limit is not None and len(pipelines) >= limit,
        limit=limit,
        form=ConfirmForm(),
    ), (422 if errors else 200)


def _refused(key: str, exc: ValidationFailed):
    errors = {f"{key}.{field}": messages for field, messages in (exc.details or {"_": [exc.message]}).items()}
    return _page(errors, {key: request.form})


def _back_to(anchor: str = ""):
    """The settings page again, scrolled to what was just changed (`pipeline-<id>`, `reasons`)."""
    return redirect(url_for("deals.pipelines") + (f"#{anchor}" if anchor else ""))


def _save(key: str, save: Callable[[], object], done: str, anchor: str):
    """Run `save()`, one service call with what the form sent, then show the page again at
    `anchor` with `done` flashed, both filled in from the row it saved (`{saved.name}`). A
    refusal shows the page with its messages beside the inputs of `key`, as `_refused` does."""
    try:
        saved = save()
    except ValidationFailed as exc:
        return _refused(key, exc)
    flash(done.format(saved=saved), "success")
    return _back_to(anchor.format(saved=saved))


def _stage_values() -> dict:
    return {key: request.form[key] for key in STAGE_KEYS if key in request.form}


@bp.route("/deals/pipelines")
@requires_permission("pipelines.view")
def pipelines():
    return _page()


@bp.route("/deals/pipelines", methods=["POST"])
@requires_permission("pipelines.create")
def create_pipeline():
    return _save(
        "new-pipeline",
        lambda: service.create_pipeline({"name": request.form.get("name", "")}, actor=current_user),
        "Pipeline “{saved.name}” added with the standard stages.",
        "pipeline-{saved.id}",
    )


@bp.route("/deals/pipelines/<uuid:pipeline_id>", methods=["POST"])
@requires_permission("pipelines.edit")
def update_pipeline(pipeline_id):
    pipeline = service.get_pipeline(pipeline_id)
    return _save(
        f"pipeline-{pipeline.id}",
        lambda: service.update_pipeline(pipeline, {"name": request.form.get("name", "")}, actor=current_user),
        "Pipeline renamed.",
        "pipeline-{saved.id}",
    )


@bp.route("/deals/pipelines/<uuid:pipeline_id>/delete", methods=["POST"])
@requires_permission("pipelines.delete")
def delete_pipeline(pipeline_id):
    to = url_for("deals.pipelines")
    return delete_and_redirect(
        service.get_pipeline(pipeline_id), service.delete_pipeline, "Pipeline “{name}” deleted.", to, refused_to=to
    )


@bp.route("/deals/pipelines/<uuid:pipeline_id>/stages", methods=["POST"])
@requires_permission("pipelines.edit")
def create_stage(pipeline_id):
    pipeline = service.get_pipeline(pipeline_id)
    return _save(
        f"new-stage-{pipeline.id}",
        lambda: service.create_stage(pipeline, _stage_values(), actor=current_user),
        "Stage “{saved.name}” added.",
        "pipeline-{saved.pipeline_id}",
    )


@bp.route("/deals/pipelines/<uuid:pipeline_id>/stages/order", methods=["POST"])
@requires_permission("pipelines.edit")
def reorder_stages(pipeline_id):
    """The stages in their new order after a drag (HTMX; CSRF in the header)."""
    pipeline = service.get_pipeline(pipeline_id)
    ids = [part for part in request.form.get("stage_ids", "").split(",") if part]
    try:
        service.reorder_stages(pipeline, ids, actor=current_user)
    except ValidationFailed as exc:
        return jsonify(error={"message": exc.one_line(), "details": exc.details}), 422
    return "", 204


@bp.route("/deals/stages/<uuid:stage_id>", methods=["POST"])
@requires_permission("pipelines.edit")
def update_stage(stage_id):
    stage = service.get_stage(stage_id)
    return _save(
        f"stage-{stage.id}",
        lambda: service.update_stage(stage, _stage_values(), actor=current_user),
        "Stage “{saved.name}” saved.",
        "pipeline-{saved.pipeline_id}",
    )


@bp.route("/deals/stages/<uuid:stage_id>/delete", methods=["POST"])
@requires_permission("pipelines.edit")
def delete_stage(stage_id):
    stage = service.get_stage(stage_id)
    target_id = parse_uuid(request.form.get("move_to_stage_id")) if request.form.get("move_to_stage_id") else None
    target = service.get_stage(target_id) if target_id else None
    name, pipeline_id = stage.name, stage.pipeline_id
    try:
        with undone_if_refused():
            moved = service.delete_stage(stage, actor=current_user, move_to=target)
    except ValidationFailed as exc:
        return _refused(f"delete-stage-{stage.id}", exc)
    except Conflict as exc:
        flash(exc.message, "danger")
        return _back_to()
    flash(
        f"Stage “{name}” deleted" + (f"; {plural(moved, 'deal')} moved to {target.name}." if moved else "."), "success"
    )
    return _back_to(f"pipeline-{pipeline_id}")


@bp.route("/deals/reasons", methods=["POST"])
@requires_permission("pipelines.edit")
def create_reason():
    data = {"kind": request.form.get("kind"), "label": request.form.get("label", "")}
    return _save(
        f"new-reason-{data['kind']}",
        lambda: service.create_reason(data, actor=current_user),
        "Reason “{saved.label}” added.",
        "reasons",
    )


@bp.route("/deals/reasons/<uuid:reason_id>/toggle", methods=["POST"])
@requires_permission("pipelines.edit")
def toggle_reason(reason_id):
    reason = service.get_reason(reason_id)
    service.set_reason_active(reason, not reason.is_active, actor=current_user)
    flash(f"Reason “{reason.label}” {'restored' if reason.is_active else 'retired'}.", "success")
    return _back_to("reasons")
