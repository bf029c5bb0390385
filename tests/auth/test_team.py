"""Invitations, roles and deactivation; the last owner stays."""

import re

import pytest
from sqlalchemy import select

from app.auth import services
from app.auth.models import Role, User
from app.core.errors import Conflict, PermissionDenied
from app.core.extensions import db
from app.messaging.models import DevMailboxMessage
from tests.conftest import deliver_outbox, in_tenant, on_platform


def mail_to(app, address):
    """The dev mailbox's messages to `address` once the job runner has sent what is queued."""
    deliver_outbox(app)
    with on_platform(app):
        rows = db.session.scalars(
            select(DevMailboxMessage)
            .where(DevMailboxMessage.to_address == address)
            .order_by(DevMailboxMessage.created_at)
        ).all()
        return [{"subject": row.subject, "text": row.text_body} for row in rows]


def test_owner_invites_and_invitee_sets_a_password(app, tenant_a, client_for):
    owner = client_for(tenant_a)
    response = owner.post("/settings/users/invite", data={"email": "new.person@example.com", "role": "marketing"})
    assert response.status_code == 302
    [mail] = mail_to(app, "new.person@example.com")
    link = re.search(r"https?://\S+/invitations/\S+", mail["text"]).group(0)
    assert tenant_a.host in link
    path = link.split(tenant_a.host, 1)[1]

    invitee = client_for(tenant_a, role=None)
    assert invitee.get(path).status_code == 200
    response = invitee.post(
        path, data={"name": "New Person", "password": "a-long-password", "confirm": "a-long-password"}
    )
    assert response.status_code == 302
    assert invitee.get("/").status_code == 200
    with in_tenant(app, tenant_a):
        user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
        assert user.role == Role.MARKETING
    # The link works once.
    assert client_for(tenant_a, role=None).get(path).status_code == 410


def test_invite_form_ignores_injected_fields(app, tenant_a, tenant_b, client_for):
    owner = client_for(tenant_a)
    owner.post(
        "/settings/users/invite",
        data={"email": "sneaky@example.com", "role": "sales", "tenant_id": str(tenant_b.id), "is_active": "0"},
    )
    with in_tenant(app, tenant_b):
        assert db.session.scalar(select(User).where(User.email == "sneaky@example.com")) is None


def test_non_admins_cannot_manage_the_team(tenant_a, client_for):
    sales = client_for(tenant_a, role="sales")
    assert sales.get("/settings/users").status_code == 403
    assert sales.post("/settings/users/invite", data={"email": "x@example.com", "role": "admin"}).status_code == 403


def test_invitation_with_a_bad_email_shows_an_inline_error(tenant_a, client_for):
    response = client_for(tenant_a).post("/settings/users/invite", data={"email": "not-an-email", "role": "sales"})
    assert response.status_code == 422
    assert b"invalid-feedback" in response.data


def test_owner_changes_a_role(app, tenant_a, client_for):
    user_id = tenant_a.users["sales"]
    response = client_for(tenant_a).post(f"/settings/users/{user_id}/role", data={f"{user_id}-role": "manager"})
    assert response.status_code == 302
    with in_tenant(app, tenant_a):
        assert db.session.get(User, (tenant_a.id, user_id)).role == "manager"


def test_last_owner_cannot_be_demoted_or_deactivated(app, tenant_a, client_for):
    owner_id = tenant_a.users["owner"]
    client = client_for(tenant_a, role="admin")
    client.post(f"/settings/users/{owner_id}/role", data={f"{owner_id}-role": "viewer"})
    client.post(f"/settings/users/{owner_id}/deactivate")
    own = client_for(tenant_a)
    response = own.post(f"/settings/users/{owner_id}/role", data={f"{owner_id}-role": "viewer"}, follow_redirects=True)
    assert b"last owner" in response.data
    with in_tenant(app, tenant_a):
        owner = db.session.get(User, (tenant_a.id, owner_id))
        assert owner.role == "owner"
        assert owner.is_active_user


def test_admin_cannot_promote_to_owner(app, tenant_a, client_for):
    user_id = tenant_a.users["sales"]
    client_for(tenant_a, role="admin").post(f"/settings/users/{user_id}/role", data={f"{user_id}-role": "owner"})
    with in_tenant(app, tenant_a):
        assert db.session.get(User, (tenant_a.id, user_id)).role == "sales"


def test_team_changes_are_in_the_audit_log(tenant_a, client_for):
    owner = client_for(tenant_a)
    user_id = tenant_a.users["sales"]
    owner.post(f"/settings/users/{user_id}/role", data={f"{user_id}-role": "support"})
    owner.post(f"/settings/users/{user_id}/deactivate")
    owner.post("/settings/users/invite", data={"email": "someone@example.com", "role": "viewer"})
    page = owner.get("/settings/audit").data
    for action in (b"user.role_changed", b"user.deactivated", b"user.invited"):
        assert action in page


def test_invitations_count_against_the_users_limit(make_tenant, client_for):
    tenant = make_tenant("smallco", plan="free", roles=("owner",))
    owner = client_for(tenant)
    assert owner.post("/settings/users/invite", data={"email": "one@example.com", "role": "sales"}).status_code == 302
    response = owner.post("/settings/users/invite", data={"email": "two@example.com", "role": "sales"})
    assert response.status_code == 402
    assert b"plan allows 2 users" in response.data


def _options(select_html: str) -> list[str]:
    return re.findall(r'<option[^>]*value="([^"]+)"', select_html)


def test_admin_is_offered_only_what_the_services_accept(tenant_a, client_for):
    page = client_for(tenant_a, role="admin").get("/settings/users").get_data(as_text=True)
    owner_row = page.split('data-testid="user-row-owner@example.com"', 1)[1].split("</tr>", 1)[0]
    # The owner's row: the role as words with the reason, no select, no deactivate button.
    assert "role-form-" not in owner_row
    assert "<select" not in owner_row
    assert "Only an owner can change an owner." in owner_row
    assert "deactivate-owner@example.com" not in owner_row
    # Other rows and the invitation offer every role but owner.
    sales_row = page.split('data-testid="user-row-sales@example.com"', 1)[1].split("</tr>", 1)[0]
    assert "owner" not in _options(sales_row)
    assert "manager" in _options(sales_row)
    invite = page.split('data-testid="invite-form"', 1)[1].split("</form>", 1)[0]
    assert "owner" not in _options(invite)
    assert "admin" in _options(invite)
    # No one is offered to deactivate themselves.
    assert "deactivate-admin@example.com" not in page


def test_owner_is_offered_owner_but_not_to_demote_the_last_owner(tenant_a, client_for):
    page = client_for(tenant_a).get("/settings/users").get_data(as_text=True)
    sales_row = page.split('data-testid="user-row-sales@example.com"', 1)[1].split("</tr>", 1)[0]
    assert "owner" in _options(sales_row)
    owner_row = page.split('data-testid="user-row-owner@example.com"', 1)[1].split("</tr>", 1)[0]
    assert "<select" not in owner_row
    assert "Make someone else an owner first." in owner_row


def test_team_services_refuse_what_the_page_does_not_offer(app, tenant_a):
    with in_tenant(app, tenant_a):
        owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
        admin = db.session.get(User, (tenant_a.id, tenant_a.users["admin"]))
        sales = db.session.get(User, (tenant_a.id, tenant_a.users["sales"]))
        viewer = db.session.get(User, (tenant_a.id, tenant_a.users["viewer"]))
        assert services.get_assignable_roles(owner) == Role.ALL
        assert Role.OWNER not in services.get_assignable_roles(admin)
        assert services.get_assignable_roles(viewer) == ()
        assert services.can_manage_user(owner, admin)
        assert services.can_manage_user(admin, sales)
        assert not services.can_manage_user(admin, owner)
        assert not services.can_manage_user(viewer, sales)
        for refused in (
            lambda: services.change_role(owner, Role.VIEWER, actor=admin),
            lambda: services.change_role(sales, Role.OWNER, actor=admin),
            lambda: services.deactivate_user(owner, actor=admin),
            lambda: services.change_role(sales, Role.ADMIN, actor=viewer),
            lambda: services.invite_user(email="boss@example.com", role=Role.OWNER, actor=admin),
        ):
            with pytest.raises(PermissionDenied):
                refused()
        with pytest.raises(Conflict):
            services.deactivate_user(admin, actor=admin)
        assert (owner.role, sales.role, admin.is_active_user) == (Role.OWNER, Role.SALES, True)


def test_a_full_team_is_offered_an_upgrade_instead_of_an_invitation_form(make_tenant, client_for):
    """At the users limit the form was still offered, and sending it answered an error page
    that lost the address typed; reactivating someone was offered the same way."""
    tenant = make_tenant("smallco", plan="free", roles=("owner", "sales"))
    owner = client_for(tenant)
    owner.post(f"/settings/users/{tenant.users['sales']}/deactivate")
    assert 'data-testid="invite-form"' in owner.get("/settings/users").text
    owner.post("/settings/users/invite", data={"email": "one@example.com", "role": "sales"})
    page = owner.get("/settings/users").text
    assert 'data-testid="invite-form"' not in page
    assert "Your Free plan allows 2 users, invitations still waiting included." in page
    assert 'href="/settings/plan' in page
    assert ">Reactivate<" not in page


def test_an_invitee_over_a_downgraded_plan_is_told_whom_to_ask_not_to_upgrade(app, make_tenant, set_tenant, client_for):
    """An invitation sent on a bigger plan, accepted after a move to Free with the seats full,
    told the invitee "Your Free plan allows 2 users … Upgrade your plan": not their plan, and
    nothing they can do."""
    tenant = make_tenant("shrinking", plan="premium", roles=("owner", "admin"))
    response = client_for(tenant).post("/settings/users/invite", data={"email": "late@example.com", "role": "sales"})
    assert response.status_code == 302
    [mail] = mail_to(app, "late@example.com")
    path = re.search(r"https?://\S+/invitations/\S+", mail["text"]).group(0).split(tenant.host, 1)[1]
    set_tenant(tenant, plan="free")
    refused = client_for(tenant, role=None).post(
        path, data={"name": "Late Comer", "password": "a-long-password", "confirm": "a-long-password"}
    )
    assert refused.status_code == 402
    page = refused.get_data(as_text=True)
    assert "Upgrade your plan" not in page
    assert "Shrinking Agency has no free seat on its plan just now." in page
    assert "Ask Owner Person to free a seat or upgrade, then open this link again." in page


def test_the_invitation_flash_names_the_address_as_it_is_kept(tenant_a, client_for):
    """ "Invitation sent to  Zoé.Martin@Example.com ." while the pending list (and the email)
    said zoé.martin@example.com: the flash now names the address the invitation went to."""
    client = client_for(tenant_a)
    client.post("/settings/users/invite", data={"email": "  Zoé.Martin@Example.com ", "role": "sales"})
    page = client.get("/settings/users").get_data(as_text=True)
    assert "Invitation sent to zoé.martin@example.com." in page
