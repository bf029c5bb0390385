"""Agency settings: name, time zone, currency, logo and brand colour, audited."""

import io

from sqlalchemy import select

from app.auth.models import User
from app.core.audit import AuditEvent
from app.core.extensions import db
from app.tenants.models import Tenant
from tests.conftest import in_tenant, on_platform

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SETTINGS = {"name": "Alpha Creative", "timezone": "Europe/Paris", "currency": "EUR", "brand_color": "#ff5500"}


def test_owner_updates_settings_and_sees_them_in_the_shell(app, tenant_a, client_for):
    client = client_for(tenant_a)
    response = client.post(
        "/settings", data={**SETTINGS, "logo": (io.BytesIO(PNG), "logo.png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    page = client.get("/").data
    assert b"Alpha Creative" in page
    assert b"--brand: #ff5500" in page
    assert b"/branding/logo" in page
    logo = client.get("/branding/logo")
    assert logo.status_code == 200
    assert logo.mimetype == "image/png"
    with on_platform(app):
        tenant = db.session.get(Tenant, tenant_a.id)
        assert (tenant.timezone, tenant.currency) == ("Europe/Paris", "EUR")
    with in_tenant(app, tenant_a):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.updated"))
        assert event.details["changes"]["name"] == {"old": "Alpha Agency", "new": "Alpha Creative"}


def test_bad_values_are_shown_inline_and_nothing_changes(app, tenant_a, client_for):
    response = client_for(tenant_a).post(
        "/settings", data={**SETTINGS, "brand_color": "red", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    with on_platform(app):
        assert db.session.get(Tenant, tenant_a.id).name == "Alpha Agency"


def test_a_non_image_logo_is_refused(tenant_a, client_for):
    response = client_for(tenant_a).post(
        "/settings",
        data={**SETTINGS, "logo": (io.BytesIO(b"<svg onload=alert(1)>"), "x.svg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert b"PNG, JPEG, GIF or WebP" in response.data


def test_only_owners_and_admins_change_settings(tenant_a, client_for):
    assert client_for(tenant_a, role="sales").post("/settings", data=SETTINGS).status_code == 403
    assert client_for(tenant_a, role="admin").post("/settings", data=SETTINGS).status_code == 302


def test_profile_form_ignores_injected_role_and_tenant(app, tenant_a, tenant_b, client_for):
    client = client_for(tenant_a, role="viewer")
    client.post(
        "/account", data={"profile-name": "Vera V", "role": "owner", "tenant_id": str(tenant_b.id), "is_active": "0"}
    )
    with in_tenant(app, tenant_a):
        viewer = db.session.get(User, (tenant_a.id, tenant_a.users["viewer"]))
        assert (viewer.name, viewer.role, viewer.is_active_user) == ("Vera V", "viewer", True)


def test_logo_of_a_tenant_without_one_is_404(tenant_a, client_for):
    assert client_for(tenant_a).get("/branding/logo").status_code == 404
