"""Permissions per record type and action, checked in the services for the acting user; API keys
act with their creator's current role cut down to their scopes; the UI hides what a user may
not do and disables (with the reason) what the workspace's status or plan refuses."""

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.core.errors import PermissionDenied
from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.contacts.services import create_contact, delete_contact, get_contact
from tests.api.client import make_api_client
from tests.conftest import in_tenant
from tests.crm.factories import make_contact


def test_services_check_the_actor_not_only_the_views(tenant_a, as_user):
    with as_user(tenant_a, "viewer") as viewer, pytest.raises(PermissionDenied) as refusal:
        create_contact({"first_name": "Ada"}, actor=viewer)
    assert refusal.value.details["permission"] == "contacts.create"
    with as_user(tenant_a, "sales") as sales:
        contact = create_contact({"first_name": "Ada"}, actor=sales)
        with pytest.raises(PermissionDenied):
            delete_contact(contact, actor=sales)


def test_a_key_acts_with_its_creators_current_role(app, tenant_a):
    api = make_api_client(app, tenant_a, role="admin")
    contact_id = make_contact(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        db.session.get(User, (tenant_a.id, tenant_a.users["admin"])).role = "viewer"
    assert api.get(f"/api/v1/contacts/{contact_id}").status_code == 200
    refused = api.delete(f"/api/v1/contacts/{contact_id}")
    assert refused.status_code == 403
    assert refused.json["error"]["details"]["permission"] == "contacts.delete"
    assert api.post("/api/v1/contacts", json={"first_name": "New"}).status_code == 403
    with in_tenant(app, tenant_a.id):
        assert get_contact(contact_id) is not None


def test_a_key_can_do_no_more_than_its_scopes(app, tenant_a):
    api = make_api_client(app, tenant_a, scopes=["contacts:read", "companies:write"])
    contact_id = make_contact(app, tenant_a)
    assert api.get(f"/api/v1/contacts/{contact_id}").status_code == 200
    assert api.patch(f"/api/v1/contacts/{contact_id}", json={"title": "CEO"}).status_code == 403
    assert api.post("/api/v1/companies", json={"name": "Scoped"}).status_code == 201


def test_buttons_a_user_cannot_use_are_not_shown(app, client_for, tenant_a):
    contact_id = make_contact(app, tenant_a)
    viewer = client_for(tenant_a, "viewer")
    listing = viewer.get("/contacts").get_data(as_text=True)
    assert 'data-testid="new-record"' not in listing
    assert 'data-testid="bulk-form"' not in listing
    page = viewer.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'data-testid="edit-record"' not in page
    assert 'data-testid="delete-record"' not in page
    assert 'data-testid="log-activity-form"' not in page
    sales = client_for(tenant_a, "sales").get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'data-testid="edit-record"' in sales
    assert 'data-testid="delete-record"' not in sales


def test_a_read_only_workspace_shows_new_disabled_with_the_reason(make_tenant, set_tenant, client_for):
    tenant = make_tenant("frozen")
    set_tenant(tenant, status="suspended", status_reason="Stripe: subscription sub_1 is unpaid")
    page = client_for(tenant).get("/contacts").get_data(as_text=True)
    assert 'data-testid="new-record-disabled"' in page
    assert "read-only" in page
    assert "/settings/billing" in page


def test_a_reached_limit_shows_new_disabled_with_an_upgrade_link(app, make_tenant, set_tenant, client_for):
    tenant = make_tenant("small", plan="normal")
    set_tenant(tenant, limit_overrides={"contacts": 1})
    make_contact(app, tenant)
    page = client_for(tenant).get("/contacts").get_data(as_text=True)
    assert 'data-testid="new-record-disabled"' in page
    assert "allows 1 contact." in page
    assert "/settings/plan" in page
    with in_tenant(app, tenant.id):
        assert len(db.session.scalars(select(Contact)).all()) == 1
