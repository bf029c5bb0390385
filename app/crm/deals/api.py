"""REST v1 deals (the kit's resource plus moves and stage history), pipelines, stages and
close reasons (scope `pipelines:read|write`)."""

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.blueprint import resource_blueprint
from app.api.crud import Summaries, Verbs, add_crud_routes
from app.api.gate import api_actor
from app.auth.permissions import check_permission
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.pagination import Page, labelled_sorts, resolve_sort, sorted_page
from app.crm.deals import schemas
from app.crm.deals.models import Pipeline, Stage
from app.crm.deals.record import DEALS
from app.crm.deals.services import deals as deal_services
from app.crm.deals.services import pipelines as service
from app.crm.deals.stage_history import stage_durations
from app.records.api import json_body, record_api_blueprint
from app.records.schemas import output_schema, serialize
from app.records.services import get_record

blp = record_api_blueprint(DEALS)


@blp.route("/<uuid:deal_id>/close", methods=["POST"])
@blp.arguments(schemas.CloseInput)
@blp.response(200, output_schema(DEALS))
def close(data, deal_id):
    """Mark an open deal won or lost

    It moves to its pipeline's first won or lost stage (a loss needs `close_reason_id`); 409 when
    it is closed already. The same as the deal page's Won and Lost buttons.
    """
    body = {key: str(value) if key == "close_reason_id" else value for key, value in data.items() if value is not None}
    outcome = body.pop("outcome", "")
    return serialize(DEALS, deal_services.close_deal(deal_services.get_deal(deal_id), outcome, body, actor=api_actor()))


@blp.route("/<uuid:deal_id>/reopen", methods=["POST"])
@blp.response(200, output_schema(DEALS))
def reopen(deal_id):
    """Reopen a won or lost deal in the open stage it was closed from; 409 when it is open"""
    return serialize(DEALS, deal_services.reopen_deal(deal_services.get_deal(deal_id), actor=api_actor()))


@blp.route("/<uuid:deal_id>/move", methods=["POST"])
@blp.arguments(schemas.MoveInput)
@blp.response(200, output_schema(DEALS))
def move(data, deal_id):
    """Move a deal to a stage and a place in its column

    Entering a won or lost stage closes the deal (a lost stage needs `close_reason_id`);
    the stage history and the `deal.stage_changed`, `deal.won` and `deal.lost` events follow.
    A won deal's contacts who had not bought yet (subscriber to opportunity) become customers.
    """
    deal = deal_services.get_deal(deal_id)
    check_permission(api_actor(), DEALS.permission("edit"))
    body = {key: str(value) if key.endswith("_id") and value is not None else value for key, value in data.items()}
    return serialize(DEALS, deal_services.move_deal(deal, body, actor=api_actor()))


@blp.route("/<uuid:deal_id>/stage-history")
@blp.response(200, schemas.StageHistorySchema)
def stage_history(deal_id):
    """A deal's stage history with the time spent in each stage"""

    deal = get_record(DEALS, deal_id, actor=api_actor())
    return {
        "items": [
            {
                **{
                    key: getattr(entry["change"], key)
                    for key in (
                        "from_stage_id",
                        "from_stage_name",
                        "to_stage_id",
                        "to_stage_name",
                        "pipeline_name",
                        "user_id",
                        "user_label",
                        "changed_at",
                    )
                },
                "left_at": entry["left_at"],
                "seconds_in_stage": entry["seconds"],
            }
            for entry in stage_durations(deal)
        ]
    }


# ---------------------------------------------------------------------------- pipelines

pipelines_blp = resource_blueprint(
    "pipelines",
    __name__,
    scope_object="pipelines",
    description="Sales pipelines and their stages, in board order.",
)
PIPELINE_SORTS = labelled_sorts(schemas.POSITION_SORTS, position=Pipeline.position, created_at=Pipeline.created_at)
STAGE_SORTS = labelled_sorts(schemas.POSITION_SORTS, position=Stage.position, created_at=Stage.created_at)


def _can_read() -> None:
    check_permission(api_actor(), "pipelines.view")


def _board_order_page(stmt, model, sorts: dict, args: dict, plural: str) -> Page:
    """A page of pipelines or stages, in board order unless `sort` says otherwise. Neither is
    searched or filtered, so a `q` or a filter is refused rather than ignored."""
    if args["search"] or args["filters"]:
        raise ValidationFailed(f"{plural} are not searched.", details={"q": ["Not supported here."]})
    sort = resolve_sort(sorts, args["sort"], "position")
    return sorted_page(db.session, stmt, model, sort, args["cursor"], args["limit"])


def _pipelines_page(**args) -> Page:
    """Pipelines, each with its stages (a new workspace gets the standard one first)."""
    service.default_pipeline()
    stmt = select(Pipeline).options(selectinload(Pipeline.stages))
    return _board_order_page(stmt, Pipeline, PIPELINE_SORTS, args, "Pipelines")


def _create_pipeline_as_sent(data: dict, *, actor) -> Pipeline:
    # The service checks the body as sent, not as the schema loaded it: loading would have
    # rounded a stage's probability of 50.5 down to 50 where the service refuses it.
    return service.create_pipeline(json_body(), actor=actor)


add_crud_routes(
    pipelines_blp,
    endpoints=("Pipelines", "PipelineItem"),
    id_argument="pipeline_id",
    schemas=schemas.PIPELINE_SCHEMAS,
    verbs=Verbs(
        _pipelines_page,
        service.get_pipeline,
        _create_pipeline_as_sent,
        service.update_pipeline,
        service.delete_pipeline,
    ),
    summaries=Summaries(
        "List pipelines, each with its stages (a new workspace gets the standard one)",
        "Create a pipeline (402 once the plan's pipeline limit is reached)",
        "Get a pipeline with its stages",
        "Rename or reorder a pipeline",
        "Delete a pipeline without deals (409 otherwise, and for the last one)",
    ),
    view_permission="pipelines.view",
)


@pipelines_blp.route("/<uuid:pipeline_id>/stage-order", methods=["POST"])
@pipelines_blp.arguments(schemas.StageOrderInput)
@pipelines_blp.response(200, schemas.PipelineSchema)
def stage_order(data, pipeline_id):
    """Put a pipeline's stages in a new order"""
    pipeline = service.get_pipeline(pipeline_id)
    service.reorder_stages(pipeline, data.get("stage_ids"), actor=api_actor())
    return pipeline


# ---------------------------------------------------------------------------- stages

stages_blp = resource_blueprint(
    "stages",
    __name__,
    scope_object="pipelines",
    description="The stages of every pipeline: probability, colour, rotting days, kind.",
)


def _stages_page(*, filters: dict, **args) -> Page:
    """Stages, of one pipeline when `pipeline_id` is given."""
    service.default_pipeline()
    pipeline_id = filters.pop("pipeline_id", None)
    stmt = select(Stage)
    if pipeline_id is not None:
        stmt = stmt.where(Stage.pipeline_id == pipeline_id)
    return _board_order_page(stmt, Stage, STAGE_SORTS, {**args, "filters": filters}, "Stages")


# The stage services check the bodies as sent (see _create_pipeline_as_sent); the pipeline is
# the one the body names, not a value the stage takes.
def _create_stage_as_sent(data: dict, *, actor) -> Stage:
    body = json_body()
    pipeline = service.get_pipeline(data["pipeline_id"])
    return service.create_stage(pipeline, {k: v for k, v in body.items() if k != "pipeline_id"}, actor=actor)


def _update_stage_as_sent(stage: Stage, data: dict, *, actor) -> Stage:
    return service.update_stage(stage, json_body(), actor=actor)


def _delete_stage(stage: Stage, *, actor, move_to_stage_id=None) -> None:
    target = service.get_stage(move_to_stage_id) if move_to_stage_id else None
    service.delete_stage(stage, actor=actor, move_to=target)


add_crud_routes(
    stages_blp,
    endpoints=("Stages", "StageItem"),
    id_argument="stage_id",
    schemas=schemas.STAGE_SCHEMAS,
    verbs=Verbs(_stages_page, service.get_stage, _create_stage_as_sent, _update_stage_as_sent, _delete_stage),
    summaries=Summaries(
        "List stages (of one pipeline with `pipeline_id`)",
        "Add a stage to a pipeline (open stages go before the won and lost ones)",
        "Get a stage",
        "Change a stage (a new probability reaches the deals that follow the stage's)",
        "Delete a stage; one that holds deals needs `move_to_stage_id` (422 otherwise)",
    ),
    view_permission="pipelines.view",
)


# ---------------------------------------------------------------------------- close reasons

reasons_blp = resource_blueprint(
    "deal-reasons",
    __name__,
    scope_object="pipelines",
    description="The workspace's reasons deals are won or lost.",
)


@reasons_blp.route("")
class Reasons(MethodView):
    @reasons_blp.response(200, schemas.ReasonListSchema)
    def get(self):
        """List won and lost reasons (retired ones too)"""
        _can_read()
        service.default_pipeline()
        return {"items": service.list_reasons(active_only=False)}

    @reasons_blp.arguments(schemas.ReasonCreate)
    @reasons_blp.response(201, schemas.ReasonSchema)
    def post(self, data):
        """Add a won or lost reason"""
        return service.create_reason(data, actor=api_actor())


@reasons_blp.route("/<uuid:reason_id>")
class ReasonItem(MethodView):
    @reasons_blp.arguments(schemas.ReasonInput)
    @reasons_blp.response(200, schemas.ReasonSchema)
    def patch(self, data, reason_id):
        """Retire or restore a reason"""
        reason = service.get_reason(reason_id)
        if "is_active" not in data:
            raise ValidationFailed("Say whether the reason is active.", details={"is_active": ["Send true or false."]})
        return service.set_reason_active(reason, data["is_active"], actor=api_actor())
