"""REST shapes of workflows, their runs and the steps a run took."""

from marshmallow import Schema, validate
from marshmallow import fields as ma

from app.api.crud import SettingSchema
from app.api.listing import UnsearchedListArguments, page_schema, sort_field
from app.crm.automations.models import RunStatus
from app.crm.automations.runs import RUN_SORTS


class WorkflowSchema(SettingSchema):
    name = ma.String(required=True)
    description = ma.String(required=True)
    is_active = ma.Boolean(required=True)
    trigger = ma.Dict(required=True, metadata={"description": "{type, record_type, field, value, form_id, event}"})
    conditions = ma.Dict(
        required=True, metadata={"description": "{match: all|any, rules: [{field, op, value}], groups}"}
    )
    steps = ma.List(ma.Dict(), required=True, metadata={"description": "[{id, type, params, then, else}]"})
    created_at = ma.DateTime(dump_only=True, required=True)
    updated_at = ma.DateTime(dump_only=True, required=True)


class WorkflowSecretSchema(WorkflowSchema):
    secret = ma.String(
        required=True,
        metadata={"description": "The new HMAC-SHA256 signing secret of its webhook steps, shown in this answer only"},
    )


class StepLogSchema(Schema):
    position = ma.Integer(required=True)
    step_type = ma.String(required=True)
    label = ma.String(required=True)
    status = ma.String(required=True, metadata={"description": "ok, failed or waiting"})
    input = ma.Dict(required=True)
    result = ma.Dict(required=True)
    error = ma.String(allow_none=True, required=True)
    duration_ms = ma.Integer(required=True)
    started_at = ma.DateTime(required=True)


class RunSchema(Schema):
    id = ma.UUID(required=True)
    workflow_id = ma.UUID(required=True)
    record_type = ma.String(allow_none=True, required=True)
    record_id = ma.UUID(allow_none=True, required=True)
    record_label = ma.String(required=True)
    event_name = ma.String(required=True)
    status = ma.String(required=True, metadata={"description": ", ".join(RunStatus.LABELS)})
    depth = ma.Integer(required=True)
    attempts = ma.Integer(required=True)
    started_at = ma.DateTime(required=True)
    resume_at = ma.DateTime(allow_none=True, required=True)
    finished_at = ma.DateTime(allow_none=True, required=True)
    error = ma.String(allow_none=True, required=True)


class RunDetailSchema(RunSchema):
    steps = ma.List(ma.Nested(StepLogSchema), required=True)


class RunListArguments(UnsearchedListArguments):
    sort = sort_field(RUN_SORTS, "-started_at")
    status = ma.String(validate=validate.OneOf(list(RunStatus.LABELS)))
    workflow_id = ma.UUID()


WorkflowPage = page_schema(WorkflowSchema, "WorkflowPageSchema")
RunPage = page_schema(RunSchema, "WorkflowRunPageSchema")
