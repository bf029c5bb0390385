"""The tenant's /settings/plan page."""

import itertools
import json
import re

import pytest

from app.auth.services import create_user
from app.core.extensions import db
from app.plans.models import FEATURE_KEYS, FEATURE_LABELS, LIMIT_KEYS, LIMIT_LABELS, Plan
from app.plans.services import (
    entitlements,
    get_plan_limit,
    offered_features,
    offered_limits,
    register_feature,
    register_metered_limit,
)
from app.plans.usage import snapshot_usage
from app.tenants.models import Tenant
from tests.conftest import in_tenant


def _row_level(html: str, resource: str) -> str:
    match = re.search(rf'data-testid="usage-{resource}" data-level="(\w+)"', html)
    assert match, f"no usage row for {resource}"
    return match.group(1)


def test_owner_sees_plan_status_and_every_enforced_limit(make_tenant, client_for):
    tenant = make_tenant("shop", plan="normal", status="trialing")
    response = client_for(tenant).get("/settings/plan")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="plan-name">Normal<' in html
    assert "Trialing" in html
    for resource in ("users", "contacts", "custom_fields", "api_calls_per_day", "storage_mb"):
        assert f'data-testid="usage-{resource}"' in html
    assert 'data-testid="feature-api" data-enabled="yes"' in html


def test_plan_page_shows_no_limit_or_feature_without_code_behind_it(make_tenant, client_for):
    tenant = make_tenant("truth", plan="enterprise")
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    shown_limits = set(re.findall(r'data-testid="usage-(\w+)" data-level', html))
    shown_features = set(re.findall(r'data-testid="feature-(\w+)" data-enabled', html))
    assert shown_limits == set(offered_limits())
    assert shown_features == set(offered_features())
    # Never built in this product yet: nothing may sell them.
    for feature in ("helpdesk", "ai_insights", "white_label"):
        assert feature not in shown_features
        assert FEATURE_LABELS[feature] not in html


def test_pricing_shows_only_what_code_enforces(apex_client):
    html = apex_client.get("/").get_data(as_text=True)
    for key in set(LIMIT_KEYS) - set(offered_limits()):
        assert f" {LIMIT_LABELS[key]}</li>" not in html, key
    for key in set(FEATURE_KEYS) - set(offered_features()):
        assert FEATURE_LABELS[key] not in html, key
    assert f" {LIMIT_LABELS['contacts']}</li>" in html
    assert FEATURE_LABELS["api"] in html


# Words that would sell a feature in a plan's description.
SELLING_WORDS = {
    "helpdesk": ("support", "help desk", "ticket"),
    "ai_insights": ("insight", " ai "),
    "custom_domain": ("domain",),
    "white_label": ("brand", "white label", "white-label"),
    "audit_export": ("audit",),
}


def test_plan_descriptions_and_the_pitch_sell_no_feature_without_code_behind_it(app, apex_client):
    from app.plans.catalogue import DEFAULT_PLANS

    missing = set(SELLING_WORDS) - set(offered_features())
    with app.app_context():
        stored = [plan.description for plan in db.session.query(Plan)]
    html = apex_client.get("/pricing").get_data(as_text=True).lower()
    for description in [spec["description"] for spec in DEFAULT_PLANS] + stored:
        assert description.lower() in html
        for feature in missing:
            for word in SELLING_WORDS[feature]:
                assert word not in f" {description.lower()} ", (feature, description)
    landing = apex_client.get("/").get_data(as_text=True).lower()
    pitch = landing.split('class="lead', 1)[1].split("</p>", 1)[0]
    for feature in missing:
        for word in SELLING_WORDS[feature]:
            assert word not in pitch, (feature, pitch)


def test_registering_an_unknown_limit_or_feature_fails_loudly():
    with pytest.raises(KeyError):
        register_feature("teleportation")
    with pytest.raises(KeyError):
        register_metered_limit("contacts")  # counted, not metered


def test_plan_page_needs_plan_view_permission(tenant_a, client_for):
    assert client_for(tenant_a, "viewer").get("/settings/plan").status_code == 403
    assert client_for(tenant_a, "admin").get("/settings/plan").status_code == 200


def test_usage_bars_turn_amber_at_80_percent_and_red_at_the_limit(make_tenant, set_tenant, client_for):
    tenant = make_tenant("bars", plan="normal", roles=("owner", "admin", "sales", "viewer"))
    set_tenant(tenant, limit_overrides={"users": 100})
    assert _row_level(client_for(tenant).get("/settings/plan").get_data(as_text=True), "users") == "success"
    set_tenant(tenant, limit_overrides={"users": 5})
    assert _row_level(client_for(tenant).get("/settings/plan").get_data(as_text=True), "users") == "warning"
    set_tenant(tenant, limit_overrides={"users": 4})
    assert _row_level(client_for(tenant).get("/settings/plan").get_data(as_text=True), "users") == "danger"


def test_unlimited_limits_are_shown_as_unlimited(make_tenant, client_for):
    tenant = make_tenant("huge", plan="enterprise")
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    assert _row_level(html, "users") == "none"
    assert "Unlimited" in html


def test_usage_chart_has_twelve_periods_from_snapshots(app, make_tenant, client_for):
    tenant = make_tenant("charted", plan="premium")
    with in_tenant(app, tenant.id):
        snapshot_usage()
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="usage-history"[^>]*>(.*?)</script>', html, re.S)
    history = json.loads(block.group(1))
    assert len(history["users"]["labels"]) == 12
    assert history["users"]["values"][-1] == 4
    assert history["users"]["limit"] == 50
    assert len(history["api_calls_per_day"]["labels"]) == 12


def test_other_plans_offer_the_upgrade_path(make_tenant, client_for):
    tenant = make_tenant("shop", plan="normal")
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    assert 'data-testid="compare-premium"' in html
    assert "contact your platform admin" in html


def test_plan_page_query_count_is_bounded(app, make_tenant, client_for, query_counter):
    tenant = make_tenant("counted", plan="premium")
    client = client_for(tenant)
    client.get("/settings/plan")
    with query_counter() as small:
        assert client.get("/settings/plan").status_code == 200
    with in_tenant(app, tenant.id):
        for index in range(15):
            create_user(email=f"more{index}@example.com", name="More", password=None, role="sales")
        snapshot_usage()
    with query_counter() as large:
        assert client.get("/settings/plan").status_code == 200
    assert large.count == small.count
    assert large.count <= 25, large.statements


def test_plan_link_is_in_the_settings_menu(tenant_a, client_for):
    html = client_for(tenant_a).get("/").get_data(as_text=True)
    assert 'href="/settings/plan"' in html


def test_a_limit_without_its_feature_is_none(app):
    plan = Plan(code="x", name="X", limits={"custom_fields": 5, "contacts": 10, "sms_per_month": None}, features=[])
    assert get_plan_limit(plan, "custom_fields") == 0  # the feature is missing: none, not 5
    assert get_plan_limit(plan, "sms_per_month") == 0  # nor unlimited
    assert get_plan_limit(plan, "contacts") == 10  # a limit of no feature stands
    plan.features = ["custom_fields", "sms"]
    assert get_plan_limit(plan, "custom_fields") == 5
    assert get_plan_limit(plan, "sms_per_month") is None


@pytest.mark.parametrize("path", ["/pricing", "/"])
def test_pricing_never_sells_a_limit_of_a_missing_feature(apex_client, path):
    page = apex_client.get(path).get_data(as_text=True)
    free = page.split('data-testid="plan-free"')[1].split('data-testid="plan-normal"')[0]
    # Free keeps "custom_fields": 5 in its limits but not the feature: no number is sold.
    assert "custom field" not in free.replace("Custom fields: not included", "")
    assert 'data-testid="terms-feature-custom_fields" data-included="no"' in free
    assert "0 SMS" not in free
    assert "1 pipeline<" in free
    normal = page.split('data-testid="plan-normal"')[1].split('data-testid="plan-premium"')[0]
    assert "30 custom fields<" in normal
    assert 'data-testid="terms-feature-custom_fields" data-included="yes"' in normal


def test_plan_comparison_reads_limits_through_their_features(make_tenant, client_for):
    tenant = make_tenant("cmp", plan="normal", roles=("owner",))
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    free = html.split('data-testid="compare-free"')[1].split('data-testid="compare-normal"')[0]
    assert "custom field" not in free.replace("Custom fields: not included", "")
    assert "Custom fields: not included" in free
    assert "sms per month" not in html  # labels keep their capitals
    assert "1 pipeline<" in free


def _usage_row(html: str, resource: str) -> str:
    return html.split(f'data-testid="usage-{resource}"', 1)[1].split("</li>", 1)[0]


def test_free_usage_shows_custom_fields_as_not_included_with_an_upgrade_link(make_tenant, client_for):
    tenant = make_tenant("freebie", plan="free", roles=("owner",))
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    row = _usage_row(html, "custom_fields")
    assert 'data-included="no"' in row
    assert " of 5" not in row  # Free has no custom fields feature: no quota to use up
    assert "Not included" in row
    assert 'data-testid="usage-upgrade-custom_fields"' in row
    assert "progress" not in row
    assert " of 1,000" in _usage_row(html, "contacts")  # a limit of no feature is a quota


def test_a_feature_taken_away_keeps_its_count_but_no_quota(app, make_tenant, set_tenant, client_for):
    tenant = make_tenant("downer", plan="normal", roles=("owner",))
    set_tenant(tenant, feature_overrides={"custom_fields": False}, limit_overrides={"custom_fields": 40})
    with in_tenant(app, tenant.id):
        ent = entitlements(db.session.get(Tenant, tenant.id))
        assert ent.limit("custom_fields") == 0
        assert not ent.includes("custom_fields")
        assert ent.limit("contacts") == 25_000
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    assert "Not included" in _usage_row(html, "custom_fields")
    fields = client_for(tenant).get("/settings/fields").get_data(as_text=True)
    assert "custom fields used" not in fields  # no meter for a feature the plan lacks
    assert 'data-testid="fields-upgrade"' in fields


def test_the_demo_charts_a_year_of_usage_growing_to_today(app, make_tenant, client_for):
    """seed-demo's workspaces show history on "Usage over time", not one point at today; a
    second run, or a workspace the scheduler already measures, keeps what it has."""
    from app.plans.demo import seed_usage_history_demo
    from app.plans.models import UsageSnapshot

    tenant = make_tenant("demoed", plan="premium")
    with in_tenant(app, tenant.id):
        seed_usage_history_demo()
        seed_usage_history_demo()
        assert db.session.query(UsageSnapshot).filter_by(resource="users").count() == 11
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="usage-history"[^>]*>(.*?)</script>', html, re.S)
    history = json.loads(block.group(1))
    users = history["users"]["values"]
    assert None not in users
    assert users == sorted(users)  # growing
    assert users[-1] == 4
    assert users[0] < users[-1]
    emails = history["emails_per_month"]["values"]
    assert all(value > 0 for value in emails[:-1])
    assert all(value > 0 for value in history["api_calls_per_day"]["values"][:-1])


def test_the_demo_leaves_a_measured_workspace_alone(app, make_tenant):
    from app.plans.demo import seed_usage_history_demo
    from app.plans.models import UsageSnapshot

    tenant = make_tenant("measured", plan="premium")
    with in_tenant(app, tenant.id):
        snapshot_usage()
        measured = db.session.query(UsageSnapshot).count()
        seed_usage_history_demo()
        assert db.session.query(UsageSnapshot).count() == measured


def test_the_daily_meter_reads_today(make_tenant, client_for, console):
    """The API calls' figure read "0 of 100,000 this day"."""
    tenant = make_tenant("daily", plan="premium")
    for html in (
        client_for(tenant).get("/settings/plan").get_data(as_text=True),
        console.get(f"/tenants/{tenant.id}").get_data(as_text=True),
    ):
        assert "0 of 100,000 today" in html
        assert "this day" not in html


@pytest.mark.parametrize("path", ["/pricing", "/"])
def test_plan_names_are_headings_one_level_under_the_pages(apex_client, path):
    """The pricing page put its plans' names (h3) straight under its h1: a screen reader's list of
    headings skipped a level there, while the landing page has its "Plans" h2 in between."""
    page = apex_client.get(path).get_data(as_text=True)
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    assert levels[0] == 1
    assert all(level <= previous + 1 for previous, level in itertools.pairwise(levels)), levels


def test_the_subscription_history_names_plans_as_the_catalogue_does(make_tenant, client_for, console):
    """The history read 'plan premium → free', the stored codes, beside 'Premium' everywhere else."""
    tenant = make_tenant("mover", plan="premium", roles=("owner",))
    assert console.post(f"/tenants/{tenant.id}/plan", data={"plan": "normal", "reason": "asked"}).status_code == 302
    html = client_for(tenant).get("/settings/plan").get_data(as_text=True)
    assert "Premium → Normal" in html
    assert "premium → normal" not in html
    console_page = console.get(f"/tenants/{tenant.id}").get_data(as_text=True)
    assert "Plan: Premium → Normal" in console_page
