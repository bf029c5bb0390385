"""The plan's deal limit holds under 20 concurrent creates (PostgreSQL row lock, SQLite write
lock), and concurrent first requests of a new workspace make one standard pipeline."""

from sqlalchemy import func, select

from app.core.extensions import db
from app.crm.deals.models import Deal, Pipeline
from tests.conftest import in_tenant
from tests.crm.deals.helpers import add_deals, owner_of
from tests.plans.concurrency import race_creates


def _count(app, tenant, model) -> int:
    with in_tenant(app, tenant.id):
        return db.session.scalar(select(func.count(model.id)))


def test_the_deal_limit_holds_under_twenty_concurrent_creates(app, make_tenant, set_tenant):
    from app.crm.deals.services.deals import create_deal

    tenant = make_tenant("dealrace", plan="normal", roles=("owner",))
    add_deals(app, tenant, [{"name": "One"}, {"name": "Two"}])
    set_tenant(tenant, limit_overrides={"deals": 3})

    def create(index):
        create_deal({"name": f"Racer {index}", "value": index}, actor=owner_of(tenant))

    outcome = race_creates(app, tenant.id, create, attempts=20)
    assert outcome["errors"] == []
    assert (outcome["succeeded"], outcome["refused"]) == (1, 19)
    assert _count(app, tenant, Deal) == 3


def test_concurrent_first_deals_make_one_standard_pipeline(app, make_tenant):
    from app.crm.deals.services.deals import create_deal

    tenant = make_tenant("fresh", plan="normal", roles=("owner",))

    def create(index):
        create_deal({"name": f"First {index}"}, actor=owner_of(tenant))

    outcome = race_creates(app, tenant.id, create, attempts=10)
    assert outcome["errors"] == []
    assert outcome["succeeded"] == 10
    assert _count(app, tenant, Pipeline) == 1
    assert _count(app, tenant, Deal) == 10
