"""The console's tenants list and tenant page: reads audited, every action recorded."""

from datetime import timedelta

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.extensions import db
from app.core.types import utcnow
from app.plans.models import StatusChange
from app.superadmin.panels import TENANT_PANELS, TenantPanel, register_tenant_panel
from app.tenants.models import Tenant
from tests.conftest import in_tenant, on_platform
from tests.superadmin.conftest import platform_audit_actions


def _tenant(app, handle) -> Tenant:
    with on_platform(app):
        tenant = db.session.get(Tenant, handle.id)
        db.session.expunge(tenant)
        return tenant


def _history(app, handle) -> list[StatusChange]:
    with in_tenant(app, handle.id):
        rows = db.session.scalars(select(StatusChange).order_by(StatusChange.created_at)).all()
        db.session.expunge_all()
        return rows


def _tenant_audit(app, handle) -> list[str]:
    with in_tenant(app, handle.id):
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.created_at)))


def test_tenants_list_searches_and_filters(console, make_tenant):
    make_tenant("acme", plan="premium")
    make_tenant("globex", plan="normal", status="trialing")
    html = console.get("/tenants?q=glob").get_data(as_text=True)
    assert 'data-testid="tenant-row-globex"' in html
    assert 'data-testid="tenant-row-acme"' not in html
    html = console.get("/tenants?plan=premium").get_data(as_text=True)
    assert 'tenant-row-acme"' in html
    assert 'tenant-row-globex"' not in html
    html = console.get("/tenants?status=trialing&sort=name").get_data(as_text=True)
    assert 'tenant-row-globex"' in html
    assert 'tenant-row-acme"' not in html


def test_tenants_list_search_takes_percent_and_underscore_literally(app, console, make_tenant, set_tenant):
    """Searching "100%" or "_" listed every agency: they were LIKE wildcards."""
    media = make_tenant("media", plan="premium", roles=("owner",))
    set_tenant(media, name="100% Media")
    make_tenant("acme", plan="premium", roles=("owner",))
    html = console.get("/tenants?q=100%25").get_data(as_text=True)
    assert 'data-testid="tenant-row-media"' in html
    assert 'data-testid="tenant-row-acme"' not in html
    html = console.get("/tenants?q=_").get_data(as_text=True)
    assert 'data-testid="tenant-row-media"' not in html
    assert 'data-testid="tenant-row-acme"' not in html


def test_tenants_list_finds_an_agency_by_a_persons_email(app, console, make_tenant):
    """Support hears from jane@…: the search read only names and addresses, so the agency
    she works in could not be found from her email."""
    from app.auth.services import create_user

    make_tenant("acme", plan="premium", roles=("owner",))
    globex = make_tenant("globex", plan="premium", roles=("owner",))
    with in_tenant(app, globex.id):
        create_user(email="jane.owner@globex-mail.test", name="Jane", password="x" * 12, role="owner")
    html = console.get("/tenants?q=JANE.OWNER@globex").get_data(as_text=True)
    assert 'data-testid="tenant-row-globex"' in html
    assert 'data-testid="tenant-row-acme"' not in html
    # A term every agency's people share lists each agency once.
    html = console.get("/tenants?q=owner@example.com").get_data(as_text=True)
    assert html.count('data-testid="tenant-row-globex"') == 1
    assert html.count('data-testid="tenant-row-acme"') == 1


def test_tenants_list_pages_with_a_bounded_number_of_queries(app, console, make_tenant, query_counter):
    for index in range(3):
        make_tenant(f"agency{index}", roles=("owner",))
    console.get("/tenants")
    with query_counter() as few:
        assert console.get("/tenants").status_code == 200
    for index in range(3, 30):
        make_tenant(f"agency{index:02d}", roles=("owner",))
    with query_counter() as many:
        first = console.get("/tenants?sort=slug")
    assert many.count == few.count
    html = first.get_data(as_text=True)
    assert html.count('data-testid="tenant-row-') == 25
    cursor = html.split('rel="next"')[0].rsplit("cursor=", 1)[1].split('"')[0]
    second = console.get(f"/tenants?sort=slug&cursor={cursor}").get_data(as_text=True)
    assert second.count('data-testid="tenant-row-') == 5


def test_viewing_a_tenant_is_an_audited_cross_tenant_read(app, console, tenant_a):
    assert console.get(f"/tenants/{tenant_a.id}").status_code == 200
    assert "console.tenant_viewed" in platform_audit_actions(app, tenant_a.id)
    console.get("/tenants")
    assert "console.tenants_listed" in platform_audit_actions(app)


def test_unknown_tenant_is_404(console):
    assert console.get("/tenants/0190f0f0-0000-7000-8000-000000000000").status_code == 404


def test_every_action_on_an_agency_that_changes_its_access_asks_first(console, tenant_a):
    """Suspending and impersonating asked for confirmation; moving a paying agency to another
    plan (a downgrade refuses its creates at once) went through on one click."""
    html = console.get(f"/tenants/{tenant_a.id}").get_data(as_text=True)
    for form in ("plan-form", "suspend-form", "impersonate-form"):
        tag = html.split(f'data-testid="{form}"')[0].rsplit("<form", 1)[1]
        assert "data-confirm=" in tag, form


def test_change_plan_keeps_data_and_records_history_on_both_sides(app, console, tenant_a):
    response = console.post(f"/tenants/{tenant_a.id}/plan", data={"plan": "free", "reason": "Downgrade asked"})
    assert response.status_code == 302
    assert _tenant(app, tenant_a).plan_code == "free"
    change = _history(app, tenant_a)[-1]
    assert (change.plan_from, change.plan_to, change.reason) == ("premium", "free", "Downgrade asked")
    assert "plan.changed" in _tenant_audit(app, tenant_a)
    assert "tenant.plan_changed" in platform_audit_actions(app, tenant_a.id)


def test_unknown_plan_is_an_inline_error(app, console, tenant_a):
    response = console.post(f"/tenants/{tenant_a.id}/plan", data={"plan": "platinum"})
    assert response.status_code == 422
    assert "There is no plan" in response.get_data(as_text=True)
    assert _tenant(app, tenant_a).plan_code == "premium"


def test_limit_overrides_accept_numbers_unlimited_and_blank(app, console, tenant_a):
    data = {"limit_users": "3", "limit_contacts": "unlimited", "limit_deals": ""}
    assert console.post(f"/tenants/{tenant_a.id}/limits", data=data).status_code == 302
    assert _tenant(app, tenant_a).limit_overrides == {"users": 3, "contacts": None}
    assert "tenant.limits_overridden" in platform_audit_actions(app, tenant_a.id)
    bad = console.post(f"/tenants/{tenant_a.id}/limits", data={"limit_users": "lots", "limit_deals": "5"})
    assert bad.status_code == 422
    assert "Enter a whole number" in bad.get_data(as_text=True)
    assert _tenant(app, tenant_a).limit_overrides == {"users": 3, "contacts": None}


def test_feature_overrides(app, console, make_tenant):
    tenant = make_tenant("small", plan="free", roles=("owner",))
    assert (
        console.post(f"/tenants/{tenant.id}/features", data={"feature_api": "on", "feature_sms": "default"}).status_code
        == 302
    )
    assert _tenant(app, tenant).feature_overrides == {"api": True}


def test_extend_trial(app, console, make_tenant, set_tenant):
    tenant = make_tenant("trying", plan="normal", status="trialing")
    end = utcnow() + timedelta(days=2)
    set_tenant(tenant, trial_ends_at=end)
    assert console.post(f"/tenants/{tenant.id}/trial", data={"days": "7"}).status_code == 302
    assert abs((_tenant(app, tenant).trial_ends_at - (end + timedelta(days=7))).total_seconds()) < 1
    assert console.post(f"/tenants/{tenant.id}/trial", data={"days": "500"}).status_code == 422


def test_extending_a_trial_by_zero_days_says_the_range(app, console, make_tenant):
    tenant = make_tenant("tryingzero", plan="normal", status="trialing")
    response = console.post(f"/tenants/{tenant.id}/trial", data={"days": "0"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter a number from 1 to 90." in body  # not "Fill this in.": a 0 was typed
    assert "Fill this in." not in body


def test_suspend_needs_a_reason_and_makes_the_tenant_read_only(app, console, tenant_a, client_for):
    assert console.post(f"/tenants/{tenant_a.id}/suspend", data={"reason": ""}).status_code == 422
    assert console.post(f"/tenants/{tenant_a.id}/suspend", data={"reason": "Fraud check"}).status_code == 302
    tenant = _tenant(app, tenant_a)
    assert (tenant.status, tenant.status_reason) == ("suspended", "Fraud check")
    assert client_for(tenant_a).post("/settings", data={}).status_code == 403
    assert console.post(f"/tenants/{tenant_a.id}/reactivate", data={"reason": "Cleared"}).status_code == 302
    assert _tenant(app, tenant_a).status == "active"
    events = [(h.status_from, h.status_to, h.reason) for h in _history(app, tenant_a)]
    assert events == [("active", "suspended", "Fraud check"), ("suspended", "active", "Cleared")]
    assert {"tenant.suspended", "tenant.reactivated"} <= set(platform_audit_actions(app, tenant_a.id))


def test_impersonation_is_time_limited_bannered_audited_and_ends_cleanly(app, console, tenant_a):
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={"reason": "Ticket 42"})
    assert response.status_code == 302
    assert response.location.startswith(f"{tenant_a.base_url}/auth/impersonate/")
    browser = console  # the same browser follows the link to the tenant host
    landed = browser.get(response.location)
    assert landed.status_code == 302
    page = browser.get(f"{tenant_a.base_url}/settings/plan")
    assert page.status_code == 200
    assert b'data-testid="banner-impersonation"' in page.data
    assert b"on behalf of root@atrium.test" in page.data
    # The token was single-use.
    assert browser.get(response.location).status_code == 404

    ended = browser.post(f"{tenant_a.base_url}/auth/impersonation/end")
    assert ended.status_code == 302
    assert ended.location == f"http://admin.atrium.test/tenants/{tenant_a.id}?impersonation=ended"
    assert browser.get(f"{tenant_a.base_url}/settings/plan").status_code == 302  # signed out of the tenant
    assert browser.get("/tenants").status_code == 200  # still signed in to the console

    assert platform_audit_actions(app, tenant_a.id)[-2:] == [
        "tenant.impersonation_started",
        "tenant.impersonation_ended",
    ]
    tenant_actions = _tenant_audit(app, tenant_a)
    assert "impersonation.started" in tenant_actions
    assert "impersonation.ended" in tenant_actions


def test_support_signs_in_as_the_person_who_wrote_in(app, console, tenant_a):
    """Only the owner could be impersonated: a sales rep's "I cannot see the board" could not be
    seen as they see it."""
    sales_id = tenant_a.users["sales"]
    page = console.get(f"/tenants/{tenant_a.id}").get_data(as_text=True)
    assert f'<option value="{sales_id}">' in page
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={"user": str(sales_id), "reason": "Ticket 43"})
    assert response.status_code == 302
    landed = console.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "You are signed in as sales@example.com" in landed
    with on_platform(app):
        from app.superadmin.models import PlatformAuditEvent

        started = db.session.scalar(
            select(PlatformAuditEvent).where(PlatformAuditEvent.action == "tenant.impersonation_started")
        )
        assert started.details["user"] == "sales@example.com"
    assert console.post(f"{tenant_a.base_url}/auth/impersonation/end").status_code == 302


def test_impersonating_someone_of_another_agency_is_refused(app, console, tenant_a, tenant_b):
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={"user": str(tenant_b.users["owner"])})
    assert response.status_code == 422
    assert "tenant.impersonation_started" not in platform_audit_actions(app, tenant_a.id)


def test_impersonation_expires_by_itself(app, console, tenant_a, time_machine):
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={})
    console.get(response.location)
    time_machine.move_to(utcnow() + timedelta(minutes=app.config["IMPERSONATION_MINUTES"] + 1))
    expired = console.get(f"{tenant_a.base_url}/settings/plan")
    assert expired.status_code == 302
    assert "impersonation=expired" in expired.location
    assert "tenant.impersonation_expired" in platform_audit_actions(app, tenant_a.id)
    assert "impersonation.expired" in _tenant_audit(app, tenant_a)


def test_impersonation_needs_an_active_owner(app, console, make_tenant):
    tenant = make_tenant("ownerless", roles=("admin",))
    response = console.post(f"/tenants/{tenant.id}/impersonate", data={})
    assert response.status_code == 409
    assert b"no active owner" in response.data


def test_other_packages_add_panels_to_the_tenant_page(app, console, tenant_a, tmp_path):
    from jinja2 import ChoiceLoader, DictLoader

    original_loader = app.jinja_loader
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"billing/panel.html": "Stripe customer {{ customer }}"}), original_loader]
    )
    panel = TenantPanel(
        "stripe", "Billing", "billing/panel.html", lambda tenant: {"customer": f"cus_{tenant.slug}"}, order=5
    )
    register_tenant_panel(panel)
    try:
        html = console.get(f"/tenants/{tenant_a.id}").get_data(as_text=True)
    finally:
        TENANT_PANELS.remove(panel)
        app.jinja_env.loader = original_loader
    assert 'data-testid="panel-stripe"' in html
    assert "Stripe customer cus_alpha" in html
    assert html.index("panel-stripe") < html.index("panel-users")


def test_writes_during_impersonation_name_the_platform_admin(app, console, tenant_a, platform_admin):
    from app.superadmin.models import PlatformAuditEvent

    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={"reason": "Ticket 42"})
    console.get(response.location)
    created = console.post(f"{tenant_a.base_url}/settings/tags", data={"name": "Made by support", "color": "#112233"})
    assert created.status_code == 302

    with in_tenant(app, tenant_a.id):
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tag.created")).all()
        assert event.actor_label == "root@atrium.test (impersonating owner@example.com)"
        assert event.actor_id is None  # not the owner: they did not do it
        assert event.details["impersonated_by"] == {
            "admin_id": str(platform_admin[0]),
            "admin_email": "root@atrium.test",
        }
        assert event.details["impersonated_user_id"] == str(tenant_a.users["owner"])
    with on_platform(app):
        [mirrored] = db.session.scalars(
            select(PlatformAuditEvent).where(PlatformAuditEvent.action == "tenant.impersonated_write")
        ).all()
        assert (mirrored.admin_id, mirrored.admin_email, mirrored.tenant_id) == (
            platform_admin[0],
            "root@atrium.test",
            tenant_a.id,
        )
        assert mirrored.details["action"] == "tag.created"
        assert mirrored.details["target_label"] == "Made by support"


def test_the_owners_own_writes_name_the_owner(app, tenant_a, client_for):
    assert client_for(tenant_a).post("/settings/tags", data={"name": "Mine", "color": "#112233"}).status_code == 302
    with in_tenant(app, tenant_a.id):
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tag.created")).all()
        assert event.actor_label == "owner@example.com"
        assert "impersonated_by" not in event.details


def test_an_agencys_status_reads_as_words_in_the_console_and_the_workspace(
    app, console, make_tenant, set_tenant, client_for
):
    """Badges and the status history showed the stored codes: "trialing", "past due", "trialing → suspended"."""
    tenant = make_tenant("late", plan="normal", status="trialing")
    assert console.post(f"/tenants/{tenant.id}/suspend", data={"reason": "Fraud check"}).status_code == 302
    set_tenant(tenant, status="past_due", past_due_since=utcnow())
    listed = console.get("/tenants").get_data(as_text=True)
    page = console.get(f"/tenants/{tenant.id}").get_data(as_text=True)
    dashboard = client_for(tenant).get("/").get_data(as_text=True)
    for html in (listed, page, dashboard):
        assert ">Past due</span>" in html
        assert ">past due<" not in html
    assert "Status: Trialing → Suspended" in page
    assert 'value="past_due">Past due</option>' in listed


def test_a_suspended_agency_is_not_offered_a_trial_extension(console, make_tenant):
    """The Extend trial form stayed on a suspended agency's page, and sending it was refused."""
    tenant = make_tenant("trying", plan="normal", status="trialing")
    assert 'data-testid="trial-form"' in console.get(f"/tenants/{tenant.id}").get_data(as_text=True)
    console.post(f"/tenants/{tenant.id}/suspend", data={"reason": "Fraud check"})
    page = console.get(f"/tenants/{tenant.id}").get_data(as_text=True)
    assert 'data-testid="trial-form"' not in page
    assert "A trial can be extended once the agency is reactivated." in page


def test_the_console_audit_log_names_plans(app, console, tenant_a):
    """The console's log read "premium → free": its rows were worded without their action, so
    the plans' reader never saw them."""
    console.post(f"/tenants/{tenant_a.id}/plan", data={"plan": "free", "reason": "Downgrade asked"})
    page = console.get("/audit").get_data(as_text=True)
    assert "Premium → Free" in page
    assert "premium → free" not in page


def test_an_agency_on_a_paid_plan_is_not_put_on_a_trial_that_would_drop_it_to_free(app, console, tenant_a):
    """Extending the "trial" of an active Premium agency made it trialing, and the trial's end
    moved it to the Free plan: a paying agency lost its plan two weeks after a console click."""
    from app.plans.jobs import expire_trials

    page = console.get(f"/tenants/{tenant_a.id}").get_data(as_text=True)
    assert 'data-testid="trial-form"' not in page
    assert "An agency on a paid plan has no trial to extend" in page
    response = console.post(f"/tenants/{tenant_a.id}/trial", data={"days": "7"})
    assert response.status_code == 409
    assert "An agency on a paid plan has no trial to extend" in response.get_data(as_text=True)
    with on_platform(app):
        expire_trials()
    tenant = _tenant(app, tenant_a)
    assert (tenant.plan_code, tenant.status, tenant.trial_ends_at) == ("premium", "active", None)


def test_an_agency_whose_trial_lapsed_to_free_can_get_more_trial(app, console, make_tenant):
    tenant = make_tenant("lapsed", plan="free", status="active", roles=("owner",))
    assert 'data-testid="trial-form"' in console.get(f"/tenants/{tenant.id}").get_data(as_text=True)
    assert console.post(f"/tenants/{tenant.id}/trial", data={"days": "7"}).status_code == 302
    assert _tenant(app, tenant).status == "trialing"


def test_a_trial_extension_is_dated_on_the_agencys_clock(app, console, make_tenant, set_tenant):
    """The history said "until 24 Dec" for an Auckland agency whose trial ends on the 25th there."""
    tenant = make_tenant("kiwi", plan="normal", status="trialing")
    end = (utcnow() + timedelta(days=2)).replace(hour=23, minute=0, second=0, microsecond=0)
    set_tenant(tenant, trial_ends_at=end, timezone="Pacific/Auckland")
    assert console.post(f"/tenants/{tenant.id}/trial", data={"days": "7"}).status_code == 302
    local_day = (end + timedelta(days=8)).strftime("%d %b %Y")  # 23:00 UTC is the next day in Auckland
    with on_platform(app):
        [change] = db.session.scalars(select(StatusChange).where(StatusChange.tenant_id == tenant.id)).all()
        assert change.reason == f"+7 days, until {local_day}"


def test_signing_out_of_an_impersonation_leaves_the_owner_signed_in(app, console, tenant_a, client_for):
    owner = client_for(tenant_a)
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={})
    console.get(response.location)
    assert console.post(f"{tenant_a.base_url}/logout").status_code == 302
    assert console.get(f"{tenant_a.base_url}/settings/plan").status_code == 302
    assert owner.get("/settings/plan").status_code == 200


def test_the_console_calls_agencies_agencies(console, tenant_a):
    """The bar, the list's title and the breadcrumb said "Tenants" where every other word of the
    console (its overview, the audit log, the actions) says "agency"."""
    listing = console.get("/tenants").get_data(as_text=True)
    page = console.get(f"/tenants/{tenant_a.id}").get_data(as_text=True)
    for html in (listing, page):
        assert "Tenants" not in html
    assert "<title>Agencies" in listing


def _last_platform_event(app, tenant_id):
    from app.superadmin.models import PlatformAuditEvent

    with on_platform(app):
        event = db.session.scalars(
            select(PlatformAuditEvent)
            .where(PlatformAuditEvent.tenant_id == tenant_id)
            .order_by(PlatformAuditEvent.created_at.desc())
        ).first()
        db.session.expunge(event)
        return event


def test_signing_out_of_an_impersonation_is_audited_with_how_long_it_lasted(
    app, console, tenant_a, platform_admin, time_machine
):
    """The admin's own sign-out (the menu's "Sign out", not the banner's button) ended the
    support access without a word in either log: only its start was recorded."""
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={"reason": "Ticket 42"})
    console.get(response.location)
    time_machine.move_to(utcnow() + timedelta(minutes=12))
    assert console.post(f"{tenant_a.base_url}/logout").status_code == 302

    assert platform_audit_actions(app, tenant_a.id)[-2:] == [
        "tenant.impersonation_started",
        "tenant.impersonation_ended",
    ]
    ended = _last_platform_event(app, tenant_a.id)
    assert ended.admin_email == "root@atrium.test"
    assert ended.details["user"] == "owner@example.com"
    assert ended.details["duration"] == "12 minutes"
    with in_tenant(app, tenant_a.id):
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.created_at.desc())).first()
        assert event.action == "impersonation.ended"
        assert event.actor_label == "root@atrium.test (platform admin)"
        assert event.details["duration"] == "12 minutes"


def test_ending_an_impersonation_from_its_banner_says_how_long_it_lasted(app, console, tenant_a, time_machine):
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={})
    console.get(response.location)
    time_machine.move_to(utcnow() + timedelta(seconds=20))
    console.post(f"{tenant_a.base_url}/auth/impersonation/end")
    assert _last_platform_event(app, tenant_a.id).details["duration"] == "less than a minute"


def test_signing_out_of_an_impersonation_leads_back_to_the_console(app, console, tenant_a):
    """The menu's "Sign out" left the admin on the agency's own sign-in page, where the banner's
    "End impersonation" brings them back to the agency's page in the console."""
    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={})
    console.get(response.location)
    signed_out = console.post(f"{tenant_a.base_url}/logout")
    assert signed_out.location == f"http://admin.atrium.test/tenants/{tenant_a.id}?impersonation=ended"
    assert console.get(signed_out.location).status_code == 200  # still signed in to the console


def test_support_access_in_the_logs_says_its_time_limit_in_words(app, console, tenant_a, client_for):
    """Its start read "Minutes: 30; Reason: Ticket 42": thirty minutes of what?"""
    import re

    response = console.post(f"/tenants/{tenant_a.id}/impersonate", data={"reason": "Ticket 42"})
    console.get(response.location)
    minutes = app.config["IMPERSONATION_MINUTES"]
    tenant_log = client_for(tenant_a).get("/settings/audit").get_data(as_text=True)
    assert f"Reason: Ticket 42; Time limit: {minutes} minutes" in re.findall(
        r'data-testid="audit-details">([^<]*)<', tenant_log
    )
    assert f"Time limit: {minutes} minutes" in console.get("/audit").get_data(as_text=True)
