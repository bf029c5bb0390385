"""Factories for the deal routes in the generated cross-tenant test (and for deal tests):
pipelines, stages and close reasons, made through the services as the tenant's owner."""

import uuid

from tests.crm.factories import create
from tests.factories import arg_factory, endpoint_factory


@arg_factory("pipeline_id")
def make_pipeline(app, tenant, **data):
    from app.crm.deals.services.pipelines import create_pipeline

    return create(app, tenant, create_pipeline, {"name": f"Retainers {uuid.uuid4().hex[:6]}", **data})


@arg_factory("stage_id")
def make_stage(app, tenant, **data):
    from app.crm.deals.services.pipelines import create_stage, get_pipeline

    pipeline_id = data.pop("pipeline_id", None) or make_pipeline(app, tenant)

    def build(values, *, actor):
        return create_stage(get_pipeline(pipeline_id), values, actor=actor)

    return create(app, tenant, build, {"name": "Discovery", "probability": 20, **data})


@arg_factory("reason_id")
def make_reason(app, tenant, **data):
    from app.crm.deals.services.pipelines import create_reason

    return create(app, tenant, create_reason, {"kind": "lost", "label": f"Went quiet {uuid.uuid4().hex[:6]}", **data})


@endpoint_factory("deals.tab")
def deal_tab(app, tenant):
    from tests.crm.factories import make_record

    return {"deal_id": make_record(app, tenant, "deal"), "key": "stages"}
