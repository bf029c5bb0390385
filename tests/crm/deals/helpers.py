"""Building deals for tests: as a tenant's user, through the services."""

from app.auth.models import User
from app.core.extensions import db
from tests.conftest import in_tenant


def owner_of(tenant, role="owner"):
    return db.session.get(User, (tenant.id, tenant.users[role]))


def stages_by_name(pipeline) -> dict:
    return {stage.name: stage for stage in pipeline.stages}


def add_deals(app, tenant, specs, role="owner") -> list:
    """specs: [{"name", "value", "stage": "Proposal", ...other deal fields}] -> ids."""
    from app.crm.deals.services.deals import create_deal, move_deal
    from app.crm.deals.services.pipelines import default_pipeline

    ids = []
    with in_tenant(app, tenant.id):
        actor = owner_of(tenant, role)
        stages = stages_by_name(default_pipeline())
        for spec in specs:
            spec = dict(spec)
            stage = spec.pop("stage", None)
            reason = spec.pop("close_reason", None)
            deal = create_deal(spec, actor=actor)
            if stage and stages[stage].id != deal.stage_id:
                move = {"stage_id": str(stages[stage].id)}
                if reason is not None:
                    move["close_reason_id"] = str(reason)
                move_deal(deal, move, actor=actor)
            ids.append(deal.id)
    return ids
