"""seed-demo leaves an API key in use, so the API settings page shows what a working key looks
like; a plan without the API gets none (issuing one there is refused)."""

from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


def test_demo_leaves_one_recently_used_key_that_can_post_leads(app, make_tenant):
    from app.api.demo import seed_api_demo
    from app.api.models import ApiKey

    tenant = make_tenant("acme", roles=("owner", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_api_demo, seed_api_demo)  # idempotent
        keys = list(db.session.scalars(select(ApiKey)))
        assert [key.name for key in keys] == ["Website sign-ups"]
        key = keys[0]
        assert key.is_active
        assert key.creator_is_active
        assert key.allows("leads:write")
        assert key.allows("contacts:read")
        assert not key.allows("contacts:write")
        assert (utcnow() - key.last_used_at).total_seconds() < 3600


def test_a_plan_without_the_api_gets_no_demo_key(app, make_tenant):
    from app.api.demo import seed_api_demo
    from app.api.models import ApiKey
    from app.tenants.models import Tenant

    tenant = make_tenant("tiny", plan="free", roles=("owner",))
    with in_tenant(app, tenant.id):
        seed_api_demo(db.session.get(Tenant, tenant.id))
        assert db.session.scalar(select(ApiKey.id)) is None
