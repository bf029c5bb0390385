"""REST v1 workflows: read, enable, disable, rotate the signing secret; their runs with the step log; replay (scope
`automations:read|write`). Building workflows is done in the app."""

from app.api.blueprint import API_PREFIX, ApiBlueprint
from app.api.gate import api_actor
from app.api.listing import page_body
from app.auth.permissions import check_permission
from app.core.pagination import Page
from app.crm.automations import runs as run_log
from app.crm.automations import services
from app.crm.automations.schemas import (
    RunDetailSchema,
    RunListArguments,
    RunPage,
    WorkflowPage,
    WorkflowSchema,
    WorkflowSecretSchema,
)
from app.plans.services import check_feature

blp = ApiBlueprint(
    "api_automations",
    __name__,
    url_prefix=f"{API_PREFIX}/workflows",
    scope_object="automations",
    tag="workflows",
    description="Workflows run after commit on the domain events their trigger names; each run "
    "and step is logged. Needs the plan's `automations` feature.",
)


@blp.before_request
def needs_the_feature():
    check_feature("automations")


@blp.route("")
@blp.response(200, WorkflowPage)
def list_workflows():
    """List workflows"""
    return page_body(Page(items=services.list_workflows(actor=api_actor())))


@blp.route("/<uuid:workflow_id>")
@blp.response(200, WorkflowSchema)
def get_workflow(workflow_id):
    """Get a workflow"""
    return services.get_workflow(workflow_id, actor=api_actor())


@blp.route("/<uuid:workflow_id>/enable", methods=["POST"])
@blp.response(200, WorkflowSchema)
def enable(workflow_id):
    """Turn a workflow on (counted against the plan's automations limit: 402 when full)"""
    return services.set_workflow_active(services.get_workflow(workflow_id), True, actor=api_actor())


@blp.route("/<uuid:workflow_id>/disable", methods=["POST"])
@blp.response(200, WorkflowSchema)
def disable(workflow_id):
    """Turn a workflow off (a run waiting in it stops after its wait; replay it once the workflow is on again)"""
    return services.set_workflow_active(services.get_workflow(workflow_id), False, actor=api_actor())


@blp.route("/<uuid:workflow_id>/rotate-secret", methods=["POST"])
@blp.response(200, WorkflowSecretSchema)
def rotate_secret(workflow_id):
    """Give its webhook steps a new signing secret, returned here once (the old one stops working at once)"""
    return services.rotate_workflow_secret(services.get_workflow(workflow_id), actor=api_actor())


@blp.route("/runs")
@blp.paged(RunListArguments, RunPage)
def list_runs(args):
    """List runs of every workflow, newest first"""
    check_permission(api_actor(), "automations.view")
    workflow = services.get_workflow(args["workflow_id"]) if args.get("workflow_id") else None
    return run_log.list_runs(
        workflow=workflow, status=args.get("status"), cursor=args.get("cursor"), limit=args.get("limit")
    )


@blp.route("/<uuid:workflow_id>/runs/<uuid:run_id>")
@blp.response(200, RunDetailSchema)
def get_run(workflow_id, run_id):
    """A run with every step it took (input, result, error, duration)"""
    run = run_log.get_run(run_id, workflow=services.get_workflow(workflow_id), actor=api_actor())
    run.steps = run_log.run_steps(run)
    return run


@blp.route("/<uuid:workflow_id>/runs/<uuid:run_id>/replay", methods=["POST"])
@blp.response(202, RunDetailSchema)
def replay(workflow_id, run_id):
    """Replay a failed run from the step that failed"""
    run = run_log.get_run(run_id, workflow=services.get_workflow(workflow_id), actor=api_actor())
    run_log.replay_run(run, actor=api_actor())
    run.steps = run_log.run_steps(run)
    return run
