"""Status effects, generated from app.url_map: a read-only tenant's every write route is refused
with 403, every read route still answers."""

import uuid
from datetime import timedelta

import pytest

from app.api.models import ApiKey
from app.auth.models import Invitation, User
from app.core.extensions import db
from app.core.types import utcnow
from app.plans.status import ALWAYS_ALLOWED_ENDPOINTS, ALWAYS_ALLOWED_PREFIXES, SAFE_METHODS
from tests.api.factories import make_api_key
from tests.conftest import in_tenant
from tests.crm.factories import make_contact
from tests.factories import ARG_FACTORIES, ENDPOINT_FACTORIES, load_domain_factories, make_invitation, make_user

PROBE = {"BASE_DOMAIN": "atrium.test", "SQLALCHEMY_DATABASE_URI": "sqlite://"}


def _tenant_rules(app):
    kinds = app.extensions["atrium_endpoint_hosts"]
    return [rule for rule in app.url_map.iter_rules() if kinds.get(rule.endpoint) == "tenant"]


def _always_allowed(endpoint: str) -> bool:
    return endpoint in ALWAYS_ALLOWED_ENDPOINTS or endpoint.startswith(ALWAYS_ALLOWED_PREFIXES)


def _cases(kind: str):
    from app import create_app

    probe = create_app("testing", **PROBE)
    cases = []
    for rule in _tenant_rules(probe):
        if _always_allowed(rule.endpoint):
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        chosen = sorted(methods - SAFE_METHODS) if kind == "write" else sorted(methods & {"GET"})
        for method in chosen:
            cases.append(pytest.param((rule.endpoint, rule.rule, method), id=f"{method} {rule.rule}"))
    return cases


def pytest_generate_tests(metafunc):
    if "write_route" in metafunc.fixturenames:
        metafunc.parametrize("write_route", _cases("write"))
    if "read_route" in metafunc.fixturenames:
        metafunc.parametrize("read_route", _cases("read"))


def _path(app, endpoint, rule_text, tenant, *, real_ids: bool):
    """Fill the rule's arguments: real records (reads) or random ids (writes, refused first)."""
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_text)
    arguments = [arg for arg in rule.arguments if arg != "host"]
    if real_ids and endpoint in ENDPOINT_FACTORIES:
        values = ENDPOINT_FACTORIES[endpoint](app, tenant)
    else:
        values = {}
        for arg in arguments:
            if arg == "id" or arg.endswith("_id"):
                values[arg] = ARG_FACTORIES[arg](app, tenant) if real_ids and arg in ARG_FACTORIES else uuid.uuid4()
            else:
                values[arg] = "token"
    with app.test_request_context(base_url=tenant.base_url):
        url = url_for(endpoint, **values, host=tenant.host)
    return url.split(tenant.host, 1)[-1]


def _send(client, request, tenant, method, path):
    if path.startswith("/api/"):
        return request.getfixturevalue("api_client_for")(tenant).open(path, method=method, json={})
    return client.open(path, method=method, data={})


@pytest.fixture
def frozen(make_tenant):
    """An enterprise workspace, still active: a test adds what it needs, then `suspend(frozen)`
    (services refuse writes once it is read-only)."""
    return make_tenant("frozen", plan="enterprise")


@pytest.fixture
def suspend(set_tenant):
    """suspend(tenant): the workspace turns read-only, as it does over unpaid invoices."""
    return lambda tenant: set_tenant(tenant, status="suspended", status_reason="Stripe: subscription sub_1 is unpaid")


@pytest.fixture
def suspended(frozen, suspend):
    suspend(frozen)
    return frozen


@pytest.fixture
def before_and_after_suspension(frozen, suspend, client_for):
    """pages(path) -> the owner's page at `path` while the workspace is active, then the same
    page once it is suspended."""

    def pages(path: str) -> tuple[str, str]:
        client = client_for(frozen)
        before = client.get(path).get_data(as_text=True)
        suspend(frozen)
        return before, client.get(path).get_data(as_text=True)

    return pages


def test_every_write_route_is_refused_while_read_only(app, write_route, suspended, client_for, request):
    endpoint, rule, method = write_route
    path = _path(app, endpoint, rule, suspended, real_ids=False)
    response = _send(client_for(suspended), request, suspended, method, path)
    assert response.status_code == 403, f"{method} {rule} answered {response.status_code} while read-only"
    assert b"read-only" in response.data


def test_every_read_route_still_answers_while_read_only(app, read_route, frozen, suspend, client_for, request):
    load_domain_factories()
    endpoint, rule, method = read_route
    # The records exist before the workspace turns read-only.
    path = _path(app, endpoint, rule, frozen, real_ids=True)
    suspend(frozen)
    response = _send(client_for(frozen), request, frozen, method, path)
    assert response.status_code < 500
    assert response.status_code != 403, f"{method} {rule} was refused while read-only"
    assert b"This workspace is read-only until" not in response.data


def test_write_refusal_is_json_for_api_clients(suspended, client_for):
    response = client_for(suspended).post("/settings", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "read_only"


@pytest.mark.parametrize("status", ["suspended", "canceled"])
def test_suspended_and_canceled_are_read_only(status, make_tenant, set_tenant, client_for):
    tenant = make_tenant("frozen")
    set_tenant(tenant, status=status)
    assert client_for(tenant).post("/settings/users/invite", data={"email": "x@example.com"}).status_code == 403


def test_past_due_keeps_full_access_during_grace_with_a_banner(make_tenant, set_tenant, client_for):
    tenant = make_tenant("late")
    set_tenant(tenant, status="past_due", past_due_since=utcnow() - timedelta(days=2))
    client = client_for(tenant)
    page = client.get("/settings/plan")
    assert b'data-testid="banner-past-due"' in page.data
    response = client.post("/settings/users/invite", data={"email": "new@example.com", "role": "sales"})
    assert response.status_code == 302


def test_past_due_after_grace_is_read_only(app, make_tenant, set_tenant, client_for):
    tenant = make_tenant("late")
    days = app.config["PAST_DUE_GRACE_DAYS"]
    set_tenant(tenant, status="past_due", past_due_since=utcnow() - timedelta(days=days, minutes=1))
    client = client_for(tenant)
    assert b'data-testid="banner-read-only"' in client.get("/settings/plan").data
    assert client.post("/settings/users/invite", data={"email": "new@example.com"}).status_code == 403


def test_signing_in_still_works_while_read_only(suspended, client_for):
    client = client_for(suspended, role=None)
    response = client.post("/login", data={"email": "owner@example.com", "password": "correct-horse-battery"})
    assert response.status_code == 302


def test_form_pages_send_a_read_only_workspace_back_with_the_reason(app, frozen, suspend, client_for):
    contact_id = make_contact(app, frozen)
    suspend(frozen)
    client = client_for(frozen)
    for path, back in (
        ("/contacts/new", "/contacts"),
        (f"/contacts/{contact_id}/edit", f"/contacts/{contact_id}"),
        ("/segments/new", "/segments"),
        ("/campaigns/new", "/campaigns"),
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == back, path
        page = client.get(back).get_data(as_text=True)
        assert "This workspace is read-only, so nothing can be added or changed" in page, path
    # The banner says why the workspace is suspended.
    assert "Reason: Stripe: subscription sub_1 is unpaid" in client.get("/contacts").get_data(as_text=True)


def test_a_create_page_at_the_plan_limit_sends_back_with_the_reason(make_tenant, set_tenant, client_for):
    tenant = make_tenant("full", plan="free", roles=("owner",))
    set_tenant(tenant, limit_overrides={"contacts": 0})
    client = client_for(tenant)
    response = client.get("/contacts/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/contacts"
    assert "plan allows" in client.get("/contacts").get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "testid"),
    [
        ("/forms", "new-form"),
        ("/automations", "new-workflow"),
        ("/calendar", "new-meeting"),
        ("/campaigns", "new-campaign"),
        ("/segments", "new-segment"),
        ("/messaging/templates", "new-email-template"),
        ("/messaging/templates", "new-sms-template"),
        ("/imports", "new-import"),
    ],
)
def test_new_buttons_outside_the_record_kit_are_disabled_with_the_reason(before_and_after_suspension, path, testid):
    active, page = before_and_after_suspension(path)
    assert f'data-testid="{testid}"' in active
    assert f'data-testid="{testid}"' not in page
    before, after = page.split(f'data-testid="{testid}-disabled"', 1)
    # The testid is on the button, or on a wrapper around the button and its reason.
    assert "disabled" in before.rsplit("<", 1)[1] + after.split("</button>", 1)[0]
    reason = after.split("</a>", 1)[0]
    assert "The workspace is read-only: settle the subscription to make changes." in reason
    assert "Settle billing" in reason


@pytest.mark.parametrize(
    ("path", "new_page"),
    [
        ("/forms", "/forms/new"),
        ("/automations", "/automations/new"),
        ("/campaigns", "/campaigns/new"),
        ("/segments", "/segments/new"),
        ("/messaging/templates", "/messaging/templates/new"),
        ("/imports", "/imports/new"),
    ],
)
def test_an_empty_list_of_a_read_only_workspace_offers_no_create_link(before_and_after_suspension, path, new_page):
    """The empty state's own button led to a page that only sent the user back."""
    active, read_only = before_and_after_suspension(path)
    assert f'href="{new_page}' in active
    assert f'href="{new_page}' not in read_only


@pytest.mark.parametrize(
    ("path", "new_page"),
    [
        ("/forms", "/forms/new"),
        ("/campaigns", "/campaigns/new"),
        ("/segments", "/segments/new"),
        ("/messaging/templates", "/messaging/templates/new"),
    ],
)
def test_a_role_that_may_not_create_sees_no_new_button_nor_empty_state_link(make_tenant, client_for, path, new_page):
    """A hidden button's state still says 'enabled': a viewer was offered New segment (a 403)."""
    tenant = make_tenant("lookers", plan="enterprise")
    page = client_for(tenant, "viewer").get(path).get_data(as_text=True)
    assert new_page not in page
    assert 'data-testid="new-' not in page


def test_a_read_only_workspace_can_still_take_access_away(app, frozen, suspend, client_for, api_client_for):
    """Someone who left while the workspace was suspended kept their access: deactivating them,
    revoking their API key and withdrawing an invitation were refused like any other write,
    though the key still read every record (reading and export stay open while read-only)."""
    leaver = api_client_for(frozen, role="admin")
    key_id, invitation_id = make_api_key(app, frozen), make_invitation(app, frozen)
    suspend(frozen)
    assert leaver.get("/api/v1/contacts").status_code == 200
    owner = client_for(frozen)
    assert owner.post(f"/settings/users/{frozen.users['admin']}/deactivate").status_code == 302
    assert owner.post(f"/settings/api/keys/{key_id}/revoke").status_code == 302
    assert owner.post(f"/settings/invitations/{invitation_id}/revoke").status_code == 302
    assert leaver.get("/api/v1/contacts").status_code == 401
    with in_tenant(app, frozen.id):
        assert not db.session.get(User, (frozen.id, frozen.users["admin"])).is_active_user
        assert db.session.get(ApiKey, (frozen.id, key_id)).revoked_at is not None
        assert db.session.get(Invitation, (frozen.id, invitation_id)).revoked_at is not None
    # Giving access is still refused.
    assert owner.post(f"/settings/users/{frozen.users['admin']}/reactivate").status_code == 403


def test_team_and_api_key_pages_of_a_read_only_workspace_offer_only_what_it_accepts(app, frozen, suspend, client_for):
    """The invitation form, role changes, reactivation and a new key were offered, then refused
    with an error page (the typed address lost); taking access away still works."""
    make_user(app, frozen)
    client = client_for(frozen)
    active = client.get("/settings/users").get_data(as_text=True)
    suspend(frozen)
    team = client.get("/settings/users").get_data(as_text=True)
    keys = client.get("/settings/api").get_data(as_text=True)
    assert 'data-testid="invite-form"' in active
    assert 'data-testid="role-form-' in active
    assert 'data-testid="invite-form"' not in team
    assert 'data-testid="role-form-' not in team
    assert 'data-testid="api-key-form"' not in keys
    for page in (team, keys):
        assert "The workspace is read-only: settle the subscription to make changes." in page
    assert 'data-testid="deactivate-extra.person@example.com"' in team


def test_the_jobs_list_of_writable_workspaces_says_what_is_read_only_says(app, make_tenant, set_tenant):
    """`writable_tenants()` is `is_read_only` in SQL, for the jobs that act for a workspace: the two
    must agree on every status and on either side of the past-due grace."""
    from app.plans.services import is_read_only, writable_tenants
    from app.tenants.models import Tenant
    from tests.conftest import on_platform

    grace = timedelta(days=app.config["PAST_DUE_GRACE_DAYS"])
    cases = {
        "trial": {"status": "trialing"},
        "paying": {"status": "active"},
        "late": {"status": "past_due", "past_due_since": utcnow() - grace + timedelta(hours=1)},
        "lapsed": {"status": "past_due", "past_due_since": utcnow() - grace - timedelta(hours=1)},
        "unknown-since": {"status": "past_due", "past_due_since": None},
        "frozen": {"status": "suspended"},
        "gone": {"status": "canceled"},
    }
    handles = {slug: make_tenant(slug) for slug in cases}
    for slug, values in cases.items():
        set_tenant(handles[slug], **values)
    with on_platform(app):
        writable = set(db.session.scalars(writable_tenants()))
        for slug, handle in handles.items():
            tenant = db.session.get(Tenant, handle.id)
            assert (handle.id in writable) is not is_read_only(tenant), slug
        assert {slug for slug, handle in handles.items() if handle.id in writable} == {
            "trial",
            "paying",
            "late",
            "unknown-since",
        }


def test_a_workspace_suspended_by_atrium_is_not_told_to_settle_its_billing(app, make_tenant, client_for, console):
    """Suspended from the console (a fraud check), the workspace was told it was read-only
    "until the subscription is settled", with a "Settle billing" button: paying lifts no
    suspension the platform decided, so it sent the owner to pay for nothing."""
    tenant = make_tenant("held")
    assert console.post(f"/tenants/{tenant.id}/suspend", data={"reason": "Fraud check"}).status_code == 302
    client = client_for(tenant)
    contacts = client.get("/contacts").get_data(as_text=True)
    assert "suspended by Atrium" in contacts
    assert "Reason: Fraud check" in contacts
    assert "settle" not in contacts.lower()
    client.get("/contacts/new")
    assert "suspended by Atrium" in client.get("/contacts").get_data(as_text=True)
    refused = client.post("/settings", data={"name": "x"})
    assert refused.status_code == 403
    assert "settle" not in refused.get_data(as_text=True).lower()
