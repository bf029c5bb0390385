"""What the owner of an agency moved to a plan smaller than its usage sees."""

from sqlalchemy import func, select

from app.auth.models import User
from app.core.extensions import db
from tests.conftest import on_platform


def _users(app, tenant) -> int:
    with on_platform(app):
        return db.session.scalar(select(func.count()).select_from(User).where(User.tenant_id == tenant.id))


def test_over_the_limit_the_banner_says_so_and_that_nothing_is_deleted(app, make_tenant, set_tenant, client_for):
    """Three users on the two-user Free plan read "You have reached your plan's limit of 2 users",
    as if the third did not exist."""
    tenant = make_tenant("shrunk", plan="premium", roles=("owner", "admin", "sales"))
    set_tenant(tenant, plan="free")
    html = client_for(tenant).get("/").get_data(as_text=True)
    assert "You have reached" not in html
    assert "Your Free plan allows 2 users; you have 3, invitations still waiting included. Nothing is deleted" in html
    assert _users(app, tenant) == 3


def test_at_the_limit_the_banner_names_a_limit_of_one_in_the_singular(make_tenant, set_tenant, client_for):
    tenant = make_tenant("solo", plan="free", roles=("owner",))
    set_tenant(tenant, limit_overrides={"users": 1})
    html = client_for(tenant).get("/").get_data(as_text=True)
    assert "limit of 1 user." in html  # not "1 users"


def test_over_the_user_limit_the_banner_and_usage_say_waiting_invitations_count(
    app, make_tenant, set_tenant, client_for
):
    """Two people and one invitation on Free read "allows 2 users; you have 3", while the Team
    page listed two people: the banner and the usage row now say what the 3 counts."""
    tenant = make_tenant("inviting", plan="premium", roles=("owner", "admin"))
    client = client_for(tenant)
    assert client.post("/settings/users/invite", data={"email": "new@example.com", "role": "sales"}).status_code == 302
    set_tenant(tenant, plan="free")
    assert "allows 2 users; you have 3, invitations still waiting included." in client.get("/").get_data(as_text=True)
    usage = client.get("/settings/plan").get_data(as_text=True)
    assert "Invitations still waiting included." in usage


def test_someone_who_cannot_change_the_plan_is_not_sent_to_upgrade(make_tenant, set_tenant, client_for):
    """A sales rep read "… until you upgrade or remove some. Upgrade" and the link was a 403:
    the banner tells them whom to ask instead, and the owner still gets the link."""
    tenant = make_tenant("crowded", plan="premium", roles=("owner", "admin", "sales"))
    set_tenant(tenant, plan="free")
    sales = client_for(tenant, role="sales").get("/").get_data(as_text=True)
    banner = sales.split('data-testid="banner-limit-users"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert 'href="/settings/plan"' not in banner
    assert "until you upgrade" not in banner
    assert "an owner or admin of the workspace can upgrade or free some" in banner
    owner = client_for(tenant).get("/").get_data(as_text=True)
    assert 'href="/settings/plan"' in owner.split('data-testid="banner-limit-users"', 1)[1]


def test_billing_banners_offer_their_action_only_to_who_may_take_it(make_tenant, set_tenant, client_for):
    """A trial ending in two days offered "Choose a plan", and an unpaid workspace "Update
    payment", to everyone: both pages are closed to a sales rep (403)."""
    from datetime import timedelta

    from app.core.types import utcnow

    tenant = make_tenant("ending", plan="normal", roles=("owner", "sales"))
    set_tenant(tenant, status="trialing", trial_ends_at=utcnow() + timedelta(days=2))
    sales = client_for(tenant, role="sales").get("/").get_data(as_text=True)
    trial = sales.split('data-testid="banner-trial-ending"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert "trial ends in 2 days" in trial
    assert "href=" not in trial
    assert 'href="/settings/plan"' in client_for(tenant).get("/").get_data(as_text=True)
    set_tenant(tenant, status="past_due", past_due_since=utcnow())
    sales = client_for(tenant, role="sales").get("/").get_data(as_text=True)
    assert "/settings/billing" not in sales.split('data-testid="banner-past-due"', 1)[1].split("</div>\n  </div>", 1)[0]
