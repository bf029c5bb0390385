"""Counted limits: the race at the limit, the error's shape, downgrades and overrides."""

import pytest

from app.auth.services import create_user
from app.core.errors import FeatureNotAvailable, PlanLimitExceeded, error_body
from app.core.extensions import db
from app.plans.services import check_feature, enforce, entitlements
from app.tenants.models import Tenant
from tests.conftest import USE_POSTGRES, in_tenant
from tests.plans.concurrency import race_creates


def _count_users(app, tenant):
    from sqlalchemy import func, select

    from app.auth.models import User

    with in_tenant(app, tenant.id):
        return db.session.scalar(select(func.count()).select_from(User))


def test_twentieth_concurrent_create_hits_limit(app, make_tenant, set_tenant):
    tenant = make_tenant("racer", plan="normal", roles=("owner", "admin", "sales", "viewer"))
    set_tenant(tenant, limit_overrides={"users": 5})  # 4 users now: limit - 1

    def create(index):
        create_user(email=f"racer{index}@example.com", name=f"Racer {index}", password=None, role="sales")

    outcome = race_creates(app, tenant.id, create, attempts=20)

    assert outcome["errors"] == []
    assert outcome["succeeded"] == 1
    assert outcome["refused"] == 19
    assert _count_users(app, tenant) == 5


@pytest.mark.postgres
@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL (ATRIUM_TEST_DB=postgresql)")
def test_concurrent_creates_of_two_tenants_do_not_block_each_other(app, make_tenant, set_tenant):
    alpha = make_tenant("alpha", plan="normal", roles=("owner",))
    bravo = make_tenant("bravo", plan="normal", roles=("owner",))
    set_tenant(alpha, limit_overrides={"users": 2})
    set_tenant(bravo, limit_overrides={"users": 2})

    def create(index):
        create_user(email=f"new{index}@example.com", name="New", password=None, role="sales")

    assert race_creates(app, alpha.id, create, attempts=10)["succeeded"] == 1
    assert race_creates(app, bravo.id, create, attempts=10)["succeeded"] == 1
    assert _count_users(app, alpha) == _count_users(app, bravo) == 2


def test_limit_error_names_the_limit_the_usage_and_the_upgrade(app, make_tenant):
    tenant = make_tenant("small", plan="free", roles=("owner", "admin"))
    with in_tenant(app, tenant.id), pytest.raises(PlanLimitExceeded) as refused:
        enforce("users")
    assert refused.value.details["resource"] == "users"
    assert refused.value.details["limit"] == 2
    assert refused.value.details["used"] == 2
    assert refused.value.details["upgrade_url"].endswith("/settings/plan")
    assert "2 users" in refused.value.message


@pytest.mark.parametrize(
    ("resource", "words"),
    [
        ("users", "allows 1 user; you have 1, invitations still waiting included."),
        ("custom_fields", "allows 1 custom field; you have 0."),
    ],
)
def test_a_limit_of_one_is_named_in_the_singular(app, make_tenant, set_tenant, resource, words):
    """The refusal read "Your Free plan allows 1 pipelines" (and "1 forms")."""
    tenant = make_tenant("single", plan="premium", roles=("owner",))
    set_tenant(tenant, limit_overrides={resource: 1})
    with in_tenant(app, tenant.id), pytest.raises(PlanLimitExceeded) as refused:
        enforce(resource, adding=2 if resource == "custom_fields" else 1)
    assert words in refused.value.message


def test_a_missing_feature_is_named_as_the_plans_name_it(app, make_tenant):
    """The refusal read "The api feature is not part of your Free plan" ("The quote pdf feature")."""
    tenant = make_tenant("small", plan="free", roles=("owner",))
    with in_tenant(app, tenant.id), pytest.raises(FeatureNotAvailable) as refused:
        check_feature("quote_pdf")
    assert refused.value.message == "Your Free plan does not include Quote PDFs."


def test_api_limit_response_is_402_with_the_documented_body(app, make_tenant, client_for):
    tenant = make_tenant("small", plan="free", roles=("owner", "admin"))
    client = client_for(tenant)
    response = client.post(
        "/settings/users/invite",
        data={"email": "third@example.com", "role": "sales"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 402
    error = response.json["error"]
    assert error["code"] == "plan_limit"
    assert "users" in error["message"]
    assert set(error["details"]) == {"resource", "limit", "used", "upgrade_url"}
    assert error["details"]["resource"] == "users"
    assert error["details"]["limit"] == 2
    assert error["details"]["used"] == 2
    assert error["details"]["upgrade_url"] == f"{tenant.base_url}/settings/plan"


def test_api_paths_render_plan_errors_as_json(app, tenant_a):
    from app.core.errors import handle_app_error

    with app.test_request_context("/api/v1/contacts", base_url=tenant_a.base_url, method="POST"):
        response = handle_app_error(
            FeatureNotAvailable("No API on this plan.", details={"feature": "api", "upgrade_url": "/settings/plan"})
        )
    assert response.status_code == 402
    assert response.json == error_body(
        "plan_feature", "No API on this plan.", {"feature": "api", "upgrade_url": "/settings/plan"}
    )


def test_html_limit_page_shows_message_and_upgrade_link(app, make_tenant, client_for):
    tenant = make_tenant("small", plan="free", roles=("owner", "admin"))
    response = client_for(tenant).post("/settings/users/invite", data={"email": "third@example.com", "role": "sales"})
    assert response.status_code == 402
    page = response.get_data(as_text=True)
    assert "You have reached a plan limit" in page
    assert "allows 2 users" in page
    assert "/settings/plan" in page


def test_feature_outside_the_plan_is_refused_with_plan_feature(app, make_tenant):
    tenant = make_tenant("small", plan="free", roles=("owner",))
    with in_tenant(app, tenant.id), pytest.raises(FeatureNotAvailable) as refused:
        check_feature("api")
    assert refused.value.code == "plan_feature"
    assert refused.value.status_code == 402


def test_feature_override_grants_a_feature_the_plan_lacks(app, make_tenant, set_tenant):
    tenant = make_tenant("small", plan="free", roles=("owner",))
    set_tenant(tenant, feature_overrides={"api": True})
    with in_tenant(app, tenant.id):
        check_feature("api")


def test_downgrade_keeps_data_refuses_new_and_upgrade_restores_creation(app, make_tenant, set_tenant):
    tenant = make_tenant("shrinker", plan="premium", roles=("owner", "admin", "sales", "viewer"))
    set_tenant(tenant, plan="free")
    assert _count_users(app, tenant) == 4  # over the free limit of 2, and nothing deleted
    with in_tenant(app, tenant.id), pytest.raises(PlanLimitExceeded):
        create_user(email="fifth@example.com", name="Fifth", password=None, role="sales")
    assert _count_users(app, tenant) == 4

    set_tenant(tenant, plan="premium")
    with in_tenant(app, tenant.id):
        create_user(email="fifth@example.com", name="Fifth", password=None, role="sales")
    assert _count_users(app, tenant) == 5


def test_unlimited_override_lifts_the_limit(app, make_tenant, set_tenant):
    tenant = make_tenant("big", plan="free", roles=("owner", "admin"))
    set_tenant(tenant, limit_overrides={"users": None})
    with in_tenant(app, tenant.id):
        assert entitlements(db.session.get(Tenant, tenant.id)).limit("users") is None
        create_user(email="third@example.com", name="Third", password=None, role="sales")
    assert _count_users(app, tenant) == 3
