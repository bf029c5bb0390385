"""The audit logs speak in words: every action the app writes has a label; record types'
domain events are labelled from the type's own name."""

import html
import re
from pathlib import Path

from app.core.audit import audit_action_label, has_audit_label

APP = Path(__file__).resolve().parents[2] / "app"
WRITERS = r"(?:record_audit|record_platform_audit|_tenant_audit|_audit|audited_read)"
ACTION = re.compile(WRITERS + r"\(\s*(?:[a-z_]+,\s*)?(f?)\"([a-z0-9_.{}]+)\"", re.S)
# The values the f-string actions take (app/superadmin/impersonation.py: end_impersonation).
PLACEHOLDERS = {"{reason}": ("ended", "expired")}


def written_actions() -> set[str]:
    actions = set()
    for path in APP.rglob("*.py"):
        for is_format, action in ACTION.findall(path.read_text()):
            if "." not in action:
                continue
            expanded = [action]
            for placeholder, values in PLACEHOLDERS.items():
                expanded = (
                    [a.replace(placeholder, v) for a in expanded for v in values] if placeholder in action else expanded
                )
            assert not is_format or all("{" not in a for a in expanded), f"unknown placeholder in {action}"
            actions.update(expanded)
    return actions


def test_every_action_the_app_writes_has_a_label(app):
    actions = written_actions()
    assert {"login.succeeded", "user.role_changed", "console.tenant_viewed", "tenant.impersonation_ended"} <= actions
    missing = sorted(action for action in actions if not has_audit_label(action))
    assert missing == []
    assert audit_action_label("login.succeeded") == "Signed in"


def test_domain_events_are_labelled_from_their_record_type(app):
    assert audit_action_label("contact.created") == "Contact created"
    assert audit_action_label("company.deleted") == "Company deleted"
    assert audit_action_label("lead.converted") == "Lead converted"
    assert audit_action_label("activity.logged") == "Activity logged"
    assert audit_action_label("gadget.updated") == "Gadget updated"  # declared only in the tests
    assert audit_action_label("something.odd_happened") == "Something odd happened"  # never a raw code


def test_the_audit_log_page_shows_labels(app, tenant_a, client_for):
    from tests.crm.factories import make_contact

    make_contact(app, tenant_a)
    client = client_for(tenant_a)
    client.post("/settings/users/invite", data={"email": "new@example.com", "role": "sales"})
    page = client.get("/settings/audit").get_data(as_text=True)
    shown = re.findall(r'data-testid="audit-action">([^<]+)<', page)
    assert "Contact created" in shown
    assert "Person invited" in shown
    assert not [label for label in shown if re.fullmatch(r"[a-z_]+\.[a-z_]+", label)]


def test_a_list_in_an_audit_rows_details_reads_as_words(app, tenant_a, client_for):
    """A settings change listed its fields as Python wrote them: "fields: ['from_email', 'reply_to']"."""
    from app.core.audit import record_audit
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant_a.id):
        record_audit(
            "messaging.settings_changed",
            actor_label="owner@example.com",
            details={"fields": ["from_email", "reply_to"]},
        )
        db.session.commit()
    page = client_for(tenant_a).get("/settings/audit").get_data(as_text=True)
    [details] = [cell for cell in re.findall(r'data-testid="audit-details">([^<]*)<', page) if "Fields" in cell]
    assert details == "Fields: From address, Reply-to address"


def test_a_change_in_an_audit_rows_details_reads_old_to_new(app, tenant_a, client_for):
    """A record's changes showed as Python's dict: "changes: {'unit_price': {'old': '95.00', 'new': '105.00'}}"."""
    from app.core.audit import record_audit
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant_a.id):
        record_audit(
            "product.updated",
            actor_label="owner@example.com",
            details={
                "changes": {"unit_price": {"old": "95.00", "new": "105.00"}, "stage_id": {"old": None, "new": "Won"}}
            },
        )
        record_audit("user.role_changed", actor_label="owner@example.com", details={"from": "admin", "to": "viewer"})
        db.session.commit()
    client = client_for(tenant_a)
    client.post(
        "/settings",
        data={"name": "Alpha Creative", "timezone": "Europe/Paris", "currency": "EUR", "brand_color": "#4f46e5"},
    )
    page = client.get("/settings/audit").get_data(as_text=True)
    shown = re.findall(r'data-testid="audit-details">([^<]*)<', page)
    # In the labels' order on every database (PostgreSQL's JSONB reorders the keys it stores).
    assert "Stage: — → Won; Unit price: 95.00 → 105.00" in shown
    assert "Admin → Viewer" in shown
    assert "Currency: USD → EUR; Name: Alpha Agency → Alpha Creative; Timezone: UTC → Europe/Paris" in shown
    assert not [cell for cell in shown if "{" in cell or "'" in cell]


def test_a_phone_shows_an_audit_rows_details_under_what_happened(app, tenant_a, client_for):
    """The details column is hidden below 768 px, and nothing else showed them: a phone could
    not tell what a role was changed to."""
    from app.core.audit import record_audit
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant_a.id):
        record_audit("user.role_changed", actor_label="owner@example.com", details={"from": "admin", "to": "viewer"})
        db.session.commit()
    page = client_for(tenant_a).get("/settings/audit").get_data(as_text=True)
    assert re.search(r'<div class="d-md-none[^"]*" data-testid="audit-details-phone">Admin → Viewer</div>', page)


def test_plans_in_the_audit_log_read_by_their_names(app, tenant_a, client_for):
    """A plan change read "free → premium": the plans' codes, where every other page names them."""
    from sqlalchemy import select

    from app.core.audit import record_audit
    from app.core.extensions import db
    from app.plans.models import Plan
    from tests.conftest import in_tenant

    with in_tenant(app, tenant_a.id):
        names = dict(db.session.execute(select(Plan.code, Plan.name)).all())
        record_audit("plan.changed", actor_label="Atrium", details={"from": "free", "to": "premium"})
        record_audit("subscription.trial_ended", actor_label="Atrium", details={"plan": ["premium", "free"]})
        record_audit(
            "billing.plan_change_started",
            actor_label="owner@example.com",
            target_label="Premium",
            details={"plan": "premium", "interval": "month", "via": "checkout"},
        )
        db.session.commit()
    page = client_for(tenant_a).get("/settings/audit").get_data(as_text=True)
    shown = re.findall(r'data-testid="audit-details">([^<]*)<', page)
    free, premium = names["free"], names["premium"]
    assert premium != "premium"
    assert f"{free} → {premium}" in shown
    assert f"Plan: {premium}, {free}" in shown
    assert f"Interval: month; Plan: {premium}; Via: checkout" in shown


def test_roles_and_sign_in_failures_in_the_audit_log_read_in_words(app, tenant_a, client_for):
    """A role change read "admin → viewer", a failed sign-in "Reason: bad_credentials" and a
    sign-in with a code "Method: totp"."""
    from app.core.audit import record_audit
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant_a.id):
        record_audit("user.role_changed", actor_label="owner@example.com", details={"from": "admin", "to": "viewer"})
        record_audit("user.invited", actor_label="owner@example.com", details={"role": "sales"})
        record_audit("login.failed", actor_label="ada@example.com", details={"reason": "bad_credentials"})
        record_audit("login.succeeded", actor_label="ada@example.com", details={"method": "totp"})
        db.session.commit()
    page = client_for(tenant_a).get("/settings/audit").get_data(as_text=True)
    shown = re.findall(r'data-testid="audit-details">([^<]*)<', page)
    assert "Admin → Viewer" in shown
    assert "Role: Sales" in shown
    assert "Reason: Wrong email or password" in shown
    assert "Method: Password and authenticator code" in shown


def test_a_campaigns_status_in_the_audit_log_reads_as_its_label(app, tenant_a, client_for):
    """A launched campaign read "Status: sending", where its own page says "Sending"."""
    from app.core.audit import record_audit
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant_a.id):
        record_audit("campaign.launched", actor_label="owner@example.com", details={"status": "sending"})
        record_audit("campaign.launched", actor_label="owner@example.com", details={"status": "waiting"})
        db.session.commit()
    page = client_for(tenant_a).get("/settings/audit").get_data(as_text=True)
    shown = re.findall(r'data-testid="audit-details">([^<]*)<', page)
    assert "Status: Sending" in shown
    assert "Status: Waiting for allowance" in shown


def test_the_fields_a_settings_change_names_read_by_their_labels(app, tenant_a, client_for):
    """Messaging settings read "Fields: from_email, reply_to, sms_number" and a workflow's change
    "Changed: is_active, steps": the fields' codes, where their pages say "From address"."""
    from app.core.audit import record_audit
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant_a.id):
        details = {"fields": ["from_email", "reply_to", "sms_number"]}
        record_audit("messaging.settings_changed", actor_label="owner@example.com", details=details)
        record_audit("workflow.updated", actor_label="owner@example.com", details={"changed": ["is_active", "steps"]})
        record_audit("form.updated", actor_label="owner@example.com", details={"changed": ["double_opt_in"]})
        db.session.commit()
    page = client_for(tenant_a).get("/settings/audit").get_data(as_text=True)
    shown = [html.unescape(text) for text in re.findall(r'data-testid="audit-details">([^<]*)<', page)]
    assert "Fields: From address, Reply-to address, SMS number" in shown
    assert "Changed: On or off, Steps" in shown
    assert "Changed: Double opt-in" in shown
