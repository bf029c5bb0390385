"""REST shapes of pipelines, stages, close reasons, moves and stage history."""

from marshmallow import Schema, fields, validate

from app.api.crud import Schemas, SettingSchema
from app.api.inputs import InputSchema
from app.api.listing import PlainListArguments, page_schema, sort_field
from app.crm.deals.models import StageKind

POSITION_SORTS = {"position": "Board order", "-created_at": "Newest first", "created_at": "Oldest first"}
COLOR = fields.String(validate=validate.Length(max=7), metadata={"description": "#rrggbb"})


class StageSchema(SettingSchema):
    pipeline_id = fields.UUID(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True, metadata={"description": "0 is the first column"})
    probability = fields.Integer(required=True, metadata={"description": "Default probability of its deals, %"})
    color = fields.String(required=True, metadata={"description": "#rrggbb"})
    rotting_days = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Idle days before a deal rots; null: never"}
    )
    kind = fields.String(required=True, validate=validate.OneOf(StageKind.ALL))
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class PipelineSchema(SettingSchema):
    name = fields.String(required=True)
    position = fields.Integer(required=True, metadata={"description": "0 is the default pipeline"})
    stages = fields.List(fields.Nested(StageSchema), required=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class StageInput(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=80))
    probability = fields.Integer(validate=validate.Range(min=0, max=100))
    color = COLOR
    rotting_days = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=365))
    kind = fields.String(validate=validate.OneOf(StageKind.ALL))


class StageCreate(StageInput):
    pipeline_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))


class PipelineCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    stages = fields.List(
        fields.Nested(StageInput),
        validate=validate.Length(min=1, max=30),
        metadata={"description": "In board order; the six standard stages when left out"},
    )


class PipelineInput(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))


class StageOrderInput(InputSchema):
    # Not required here: the pipeline is looked up first (another tenant's is a 404 either way).
    stage_ids = fields.List(fields.UUID(), metadata={"description": "Every stage once, in order (required)"})


class StageDeleteArguments(InputSchema):
    move_to_stage_id = fields.UUID(metadata={"description": "Where the stage's deals go (needed when it has deals)"})


class PipelineListArguments(PlainListArguments):
    sort = sort_field(POSITION_SORTS, "position")


class StageListArguments(PipelineListArguments):
    pipeline_id = fields.UUID(metadata={"description": "Only this pipeline's stages"})


class ReasonSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(StageKind.CLOSED))
    label = fields.String(required=True)
    is_active = fields.Boolean(required=True, metadata={"description": "Retired reasons stay on closed deals"})


class ReasonCreate(InputSchema):
    kind = fields.String(required=True, validate=validate.OneOf(StageKind.CLOSED))
    label = fields.String(required=True, validate=validate.Length(min=1, max=120))


class ReasonInput(InputSchema):
    is_active = fields.Boolean(metadata={"description": "false retires the reason, true restores it (required)"})


class ReasonListSchema(Schema):
    items = fields.List(fields.Nested(ReasonSchema), required=True)


class CloseInput(InputSchema):
    # Required by the service, which answers 422 without it once the deal is found (a missing
    # or another workspace's deal is a 404 first, whatever the body).
    outcome = fields.String(
        validate=validate.OneOf(("won", "lost")), metadata={"description": "`won` or `lost` (required)"}
    )
    close_reason_id = fields.UUID(
        allow_none=True, metadata={"description": "Why it was won or lost (needed for a loss)"}
    )
    close_note = fields.String(validate=validate.Length(max=1000))


class MoveInput(InputSchema):
    stage_id = fields.UUID(
        metadata={"description": "The stage to put the deal in (any pipeline's); its own by default"}
    )
    above_id = fields.UUID(metadata={"description": "The card the deal goes right below"})
    below_id = fields.UUID(metadata={"description": "The card the deal goes right above"})
    position = fields.Integer(
        validate=validate.Range(min=0, max=1_000_000_000),
        metadata={"description": "Place in the column, 0 = top (without above/below)"},
    )
    close_reason_id = fields.UUID(
        allow_none=True, metadata={"description": "Why it was won or lost (needed for a lost stage)"}
    )
    close_note = fields.String(validate=validate.Length(max=1000))


class StageChangeSchema(Schema):
    from_stage_id = fields.UUID(required=True, allow_none=True)
    from_stage_name = fields.String(required=True)
    to_stage_id = fields.UUID(required=True)
    to_stage_name = fields.String(required=True)
    pipeline_name = fields.String(required=True)
    user_id = fields.UUID(required=True, allow_none=True)
    user_label = fields.String(required=True)
    changed_at = fields.DateTime(required=True)
    left_at = fields.DateTime(required=True, allow_none=True)
    seconds_in_stage = fields.Integer(required=True, metadata={"description": "Until it left, or until now"})


class StageHistorySchema(Schema):
    items = fields.List(fields.Nested(StageChangeSchema), required=True, metadata={"description": "Newest first"})


PipelinePage = page_schema(PipelineSchema, "PipelinePageSchema")
StagePage = page_schema(StageSchema, "StagePageSchema")

# What each resource answers and takes (`app.api.crud`).
PIPELINE_SCHEMAS = Schemas(
    PipelineSchema, PipelinePage, create=PipelineCreate, update=PipelineInput, list_arguments=PipelineListArguments
)
STAGE_SCHEMAS = Schemas(
    StageSchema,
    StagePage,
    create=StageCreate,
    update=StageInput,
    list_arguments=StageListArguments,
    delete_arguments=StageDeleteArguments,
)
