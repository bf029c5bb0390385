"""The dashboard's "Your workspace" card: what the workspace is on, and until when."""

from datetime import timedelta

from app.core.types import utcnow


def test_a_trialing_workspace_sees_when_its_trial_ends(make_tenant, set_tenant, client_for):
    """The card said "Normal · Trialing" and nothing more: the end of the trial appeared only
    in a banner during its last three days."""
    tenant = make_tenant("trying", plan="normal", status="trialing")
    set_tenant(tenant, trial_ends_at=(utcnow() + timedelta(days=10)).replace(hour=12, minute=0))
    page = client_for(tenant).get("/").get_data(as_text=True)
    card = page.split('data-testid="workspace-card"')[1]
    ends = (utcnow() + timedelta(days=10)).strftime("%d %b %Y")
    assert f"Trial ends {ends}" in card
    assert 'href="/settings/plan"' in card


def test_a_viewer_sees_the_plan_without_a_link_it_cannot_open(make_tenant, client_for):
    tenant = make_tenant("plain", plan="premium", roles=("owner", "viewer"))
    card = client_for(tenant, "viewer").get("/").get_data(as_text=True).split('data-testid="workspace-card"')[1]
    assert "Premium" in card
    assert "Trial ends" not in card
