"""/automations: workflows (builder, test mode, enable/disable), their runs and the run log."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.errors import ValidationFailed
from app.core.forms import apply_errors, delete_and_redirect, save_form
from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.core.navigation import NavItem, register_nav_item
from app.core.transactions import undone_if_refused
from app.crm.automations import runs as run_log
from app.crm.automations import services
from app.crm.automations.actions import available_actions, describe_params
from app.crm.automations.conditions import OPERATORS, condition_fields, condition_value_labels, describe
from app.crm.automations.engine import WAIT_UNITS, flatten
from app.crm.automations.forms import CONDITION_ROWS, WorkflowForm, step_data
from app.crm.automations.models import RunStatus
from app.crm.forms.services import list_forms
from app.crm.webhooks.signing import SIGNATURE_HEADER
from app.plans.services import requires_feature
from app.records.event_types import event_types
from app.records.forms import ConfirmForm
from app.records.registry import record_types

bp = TenantBlueprint("automations", __name__)
register_nav_item(
    NavItem(
        "Automations",
        "automations.index",
        "diagram-3",
        "automations.view",
        group="marketing",
        feature="automations",
        order=70,
    )
)


def _choices(form: WorkflowForm, workflow=None) -> WorkflowForm:
    form.record_type.choices = [(item.name, item.label_plural) for item in record_types()]
    form.trigger_event.choices = list(event_types().items())
    form.trigger_form.choices = [("", "Any form"), *((str(item.id), item.name) for item in list_forms())]
    record_type = services.trigger_record_type(workflow.trigger) if workflow else None
    if record_type is not None:
        form.trigger_field.choices = list(condition_fields(record_type).items())
    else:  # before the record type is saved: every type's fields, grouped
        form.trigger_field.choices = {
            item.label_plural: list(condition_fields(item).items()) for item in record_types()
        }
    return form


def _form_for(workflow) -> WorkflowForm:
    trigger = workflow.trigger or {}
    form = WorkflowForm(
        formdata=None,
        name=workflow.name,
        description=workflow.description,
        trigger_type=trigger.get("type"),
        record_type=trigger.get("record_type"),
        trigger_field=trigger.get("field"),
        trigger_value=trigger.get("value"),
        trigger_event=trigger.get("event"),
        trigger_form=trigger.get("form_id") or "",
        trigger_days=str(trigger.get("days_before", trigger.get("days", "")) or ""),
        trigger_hour=str(trigger.get("hour", "") if trigger.get("hour") is not None else ""),
        match=(workflow.conditions or {}).get("match", "all"),
    )
    return _choices(form, workflow)


@bp.route("/automations")
@requires_permission("automations.view")
@requires_feature("automations")
def index():
    return render_template(
        "crm/automations/index.html",
        workflows=services.list_workflows(),
        counts=services.run_counts(),
        describe_trigger=services.describe_trigger,
    )


@bp.route("/automations/new")
@requires_permission("automations.create")
@requires_feature("automations")
def new():
    """`?form_id=` (the "Automate" button of a web form) starts from that form's trigger."""
    form = _choices(WorkflowForm(formdata=None))
    chosen = request.args.get("form_id", "")
    # Only a form named by its id: "" is the "Any form" choice, not a request to start from forms.
    if chosen and chosen in dict(form.trigger_form.choices):
        form.trigger_type.data, form.trigger_form.data = "form_submitted", chosen
    return render_template("crm/automations/new.html", form=form)


def _workflow_data(form) -> dict:
    """The name, description and trigger a workflow's settings form sends its service."""
    return {"name": form.name.data, "description": form.description.data or "", "trigger": form.trigger_data()}


@bp.route("/automations", methods=["POST"])
@requires_permission("automations.create")
@requires_feature("automations")
def create():
    form = _choices(WorkflowForm())
    workflow = save_form(form, lambda: services.create_workflow(_workflow_data(form), actor=current_user))
    if workflow is None:
        return render_template("crm/automations/new.html", form=form), 422
    flash("Workflow created. Add its conditions and steps, then turn it on.", "success")
    return redirect(url_for("automations.show", workflow_id=workflow.id))


def _builder(workflow, form=None, *, step_errors=None, test_results=None, test_record=None, status=200):
    record_type = services.trigger_record_type(workflow.trigger or {})
    return render_template(
        "crm/automations/show.html",
        workflow=workflow,
        form=form or _form_for(workflow),
        fields=condition_fields(record_type) if record_type else {},
        operators=OPERATORS,
        condition_rows=CONDITION_ROWS,
        actions=available_actions(record_type),
        record_type=record_type,
        wait_units=WAIT_UNITS,
        branches=services.branch_places(workflow.steps or []),
        describe=describe,
        describe_params=describe_params,
        value_labels=condition_value_labels(record_type) if record_type else {},
        describe_trigger=services.describe_trigger,
        step_errors=step_errors or [],
        test_results=test_results,
        test_record=test_record,
        test_choices=run_log.recent_records(record_type),
        runs=run_log.list_runs(workflow=workflow, limit=10),
        confirm_form=ConfirmForm(),
        calls_webhooks=any(step.get("type") == "call_webhook" for step in flatten(workflow.steps)),
        signature_header=SIGNATURE_HEADER,
    ), status


@bp.route("/automations/<uuid:workflow_id>")
@requires_permission("automations.view")
@requires_feature("automations")
def show(workflow_id):
    return _builder(services.get_workflow(workflow_id))


@bp.route("/automations/<uuid:workflow_id>", methods=["POST"])
@requires_permission("automations.edit")
@requires_feature("automations")
def update(workflow_id):
    workflow = services.get_workflow(workflow_id)
    form = _choices(WorkflowForm(), workflow)
    if not form.validate_on_submit():
        return _builder(workflow, form, status=422)
    data = {**_workflow_data(form), "conditions": form.conditions_data(request.form)}
    try:
        services.update_workflow(workflow, data, actor=current_user)
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _builder(workflow, form, step_errors=exc.details.get("conditions", []), status=422)
    flash("Workflow saved.", "success")
    return redirect(url_for("automations.show", workflow_id=workflow.id))


def _back_to_steps(workflow):
    """The workflow's page again, at its steps: where a step was added, removed or moved."""
    return redirect(url_for("automations.show", workflow_id=workflow.id) + "#steps")


@bp.route("/automations/<uuid:workflow_id>/steps", methods=["POST"])
@requires_permission("automations.edit")
@requires_feature("automations")
def add_step(workflow_id):
    workflow = services.get_workflow(workflow_id)
    try:
        services.add_step(
            workflow, step_data(request.form), placement=request.form.get("placement", ""), actor=current_user
        )
    except ValidationFailed as exc:
        messages = exc.detail_messages()
        return _builder(workflow, step_errors=messages, status=422)
    flash("Step added.", "success")
    return _back_to_steps(workflow)


@bp.route("/automations/<uuid:workflow_id>/steps/<step_id>/delete", methods=["POST"])
@requires_permission("automations.edit")
@requires_feature("automations")
def remove_step(workflow_id, step_id):
    workflow = services.get_workflow(workflow_id)
    services.remove_step(workflow, step_id, actor=current_user)
    flash("Step removed.", "success")
    return _back_to_steps(workflow)


@bp.route("/automations/<uuid:workflow_id>/steps/<step_id>/move", methods=["POST"])
@requires_permission("automations.edit")
@requires_feature("automations")
def move_step(workflow_id, step_id):
    workflow = services.get_workflow(workflow_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    services.move_step(workflow, step_id, offset, actor=current_user)
    return _back_to_steps(workflow)


@bp.route("/automations/<uuid:workflow_id>/active", methods=["POST"])
@requires_permission("automations.edit")
@requires_feature("automations")
def set_active(workflow_id):
    workflow = services.get_workflow(workflow_id)
    active = request.form.get("active") == "1"
    services.set_workflow_active(workflow, active, actor=current_user)
    flash(f"Workflow “{workflow.name}” is {'on' if active else 'off'}.", "success")
    return redirect(url_for("automations.show", workflow_id=workflow.id))


@bp.route("/automations/<uuid:workflow_id>/rotate-secret", methods=["POST"])
@requires_permission("automations.edit")
@requires_feature("automations")
def rotate_secret(workflow_id):
    services.rotate_workflow_secret(services.get_workflow(workflow_id), actor=current_user)
    flash("A new signing secret is in use: copy it below and give it to your receiver.", "success")
    return redirect(url_for("automations.show", workflow_id=workflow_id) + "#signing-secret")


@bp.route("/automations/<uuid:workflow_id>/delete", methods=["POST"])
@requires_permission("automations.delete")
@requires_feature("automations")
def delete(workflow_id):
    return delete_and_redirect(
        services.get_workflow(workflow_id),
        services.delete_workflow,
        "Workflow “{name}” and its run log deleted.",
        url_for("automations.index"),
    )


@bp.route("/automations/<uuid:workflow_id>/test", methods=["POST"])
@requires_permission("automations.view")
@requires_feature("automations")
def test(workflow_id):
    """Test mode writes nothing: the service only reads, and a 200 here commits nothing new."""
    workflow = services.get_workflow(workflow_id)
    record_type = services.trigger_record_type(workflow.trigger or {})
    record_id = request.form.get("record_id", "")
    try:
        results = run_log.test_workflow(
            workflow, record_type.name if record_type else "", record_id, actor=current_user
        )
    except ValidationFailed as exc:
        return _builder(workflow, step_errors=[exc.message], status=422)
    return _builder(workflow, test_results=results, test_record=record_id)


@bp.route("/automations/runs")
@requires_permission("automations.view")
@requires_feature("automations")
def runs():
    status = request.args.get("status") if request.args.get("status") in RunStatus.LABELS else None
    page = run_log.list_runs(status=status, cursor=request.args.get("cursor"))
    return render_template("crm/automations/runs.html", page=page, status=status, statuses=RunStatus)


@bp.route("/automations/<uuid:workflow_id>/runs/<uuid:run_id>")
@requires_permission("automations.view")
@requires_feature("automations")
def run(workflow_id, run_id):
    workflow = services.get_workflow(workflow_id)
    item = run_log.get_run(run_id, workflow=workflow)
    template = "crm/automations/_run_log.html" if is_htmx() else "crm/automations/run.html"
    return render_template(
        template, workflow=workflow, run=item, steps=run_log.readable_steps(item), started_by=run_log.event_label(item)
    )


@bp.route("/automations/<uuid:workflow_id>/runs/<uuid:run_id>/replay", methods=["POST"])
@requires_permission("automations.edit")
@requires_feature("automations")
def replay(workflow_id, run_id):
    workflow = services.get_workflow(workflow_id)
    item = run_log.get_run(run_id, workflow=workflow)
    try:
        with undone_if_refused():
            run_log.replay_run(item, actor=current_user)
    except ValidationFailed as exc:
        flash(exc.message, "danger")
        return redirect(url_for("automations.run", workflow_id=workflow.id, run_id=item.id)), 303
    flash("The run starts again from the step that failed.", "success")
    return redirect(url_for("automations.run", workflow_id=workflow.id, run_id=item.id))
