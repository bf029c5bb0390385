"""A workflow's "Call a webhook" step signs its request with the workflow's secret, and the
workflow's page shows that secret to those who edit it, so the receiver can check it."""

import html
import re

import pytest

from app.crm.webhooks.signing import SIGNATURE_HEADER, VERIFICATION_SNIPPET
from tests.crm.automation.helpers import dispatch_events
from tests.crm.automation.workflow_helpers import make_workflow
from tests.crm.factories import make_lead


@pytest.fixture
def receiver(app, monkeypatch, httpserver):
    monkeypatch.setitem(app.config, "SSRF_ALLOWED_ADDRESSES", ["127.0.0.1"])
    return httpserver


def test_a_webhook_steps_receiver_can_check_its_signature_with_the_secret_shown(app, tenant_a, client_for, receiver):
    receiver.expect_request("/crm").respond_with_data("ok")
    step = {"type": "call_webhook", "params": {"url": f"http://127.0.0.1:{receiver.port}/crm"}}
    workflow_id = make_workflow(app, tenant_a, steps=[{"type": "branch", "params": {}, "then": [step]}])
    page = client_for(tenant_a).get(f"/automations/{workflow_id}").get_data(as_text=True)
    secret = html.unescape(re.search(r'value="([^"]+)"[^>]*data-testid="workflow-secret"', page).group(1))
    make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    [(request, _)] = receiver.log
    namespace: dict = {}
    exec(VERIFICATION_SNIPPET, namespace)  # the receiver's check the webhook pages show
    assert namespace["verify_signature"](secret, request.headers[SIGNATURE_HEADER], request.get_data())


def test_the_secret_is_shown_only_on_a_workflow_that_calls_a_webhook(app, tenant_a, client_for, receiver):
    step = {"type": "call_webhook", "params": {"url": f"http://127.0.0.1:{receiver.port}/crm"}}
    calling = make_workflow(app, tenant_a, steps=[step])
    note = {"type": "create_note", "params": {"body": "Hi."}}
    quiet = make_workflow(app, tenant_a, steps=[{"type": "branch", "params": {}, "then": [note], "else": [note]}])
    client = client_for(tenant_a)
    assert 'data-testid="workflow-secret"' in client.get(f"/automations/{calling}").get_data(as_text=True)
    assert 'data-testid="workflow-secret"' not in client.get(f"/automations/{quiet}").get_data(as_text=True)


def _calling_workflow(app, tenant, receiver):
    step = {"type": "call_webhook", "params": {"url": f"http://127.0.0.1:{receiver.port}/crm"}}
    return make_workflow(app, tenant, steps=[step])


def _shown_secret(page: str) -> str:
    return html.unescape(re.search(r'value="([^"]+)"[^>]*data-testid="workflow-secret"', page).group(1))


def _audit_actions(app, tenant) -> list[str]:
    from sqlalchemy import select

    from app.core.audit import AuditEvent
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant.id):
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.created_at)))


def test_an_editor_rotates_the_secret_behind_a_confirmation_and_it_is_audited(app, tenant_a, client_for, receiver):
    """A leaked workflow secret could not be replaced: webhooks had "Rotate the secret", workflows nothing."""
    from tests.conftest import csrf_token_from

    workflow_id = _calling_workflow(app, tenant_a, receiver)
    client = client_for(tenant_a)
    page = client.get(f"/automations/{workflow_id}").get_data(as_text=True)
    old = _shown_secret(page)
    assert 'data-testid="rotate-workflow-secret"' in page
    assert "signed with a new secret from now on" in page  # the button asks first
    rotated = client.post(
        f"/automations/{workflow_id}/rotate-secret", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True
    )
    assert rotated.status_code == 200
    new = _shown_secret(rotated.get_data(as_text=True))
    assert new != old
    assert new.startswith("whsec_")
    assert "A new signing secret is in use" in rotated.get_data(as_text=True)
    assert "workflow.secret_rotated" in _audit_actions(app, tenant_a)

    # Its next call is signed with the new secret.
    receiver.expect_request("/crm").respond_with_data("ok")
    make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    [(request, _)] = receiver.log
    namespace: dict = {}
    exec(VERIFICATION_SNIPPET, namespace)
    assert namespace["verify_signature"](new, request.headers[SIGNATURE_HEADER], request.get_data())
    assert not namespace["verify_signature"](old, request.headers[SIGNATURE_HEADER], request.get_data())


def test_only_editors_rotate_a_workflows_secret(app, tenant_a, client_for, receiver):
    workflow_id = _calling_workflow(app, tenant_a, receiver)
    viewer = client_for(tenant_a, "viewer")
    assert 'data-testid="rotate-workflow-secret"' not in viewer.get(f"/automations/{workflow_id}").get_data(
        as_text=True
    )
    assert viewer.post(f"/automations/{workflow_id}/rotate-secret").status_code == 403
    assert "workflow.secret_rotated" not in _audit_actions(app, tenant_a)


def test_the_api_rotates_a_workflows_secret_and_shows_the_new_one_once(app, tenant_a, api_client_for, receiver):
    workflow_id = _calling_workflow(app, tenant_a, receiver)
    api = api_client_for(tenant_a)
    response = api.post(f"/api/v1/workflows/{workflow_id}/rotate-secret")
    assert response.status_code == 200
    secret = response.get_json()["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in api.get(f"/api/v1/workflows/{workflow_id}").get_json()
    assert "workflow.secret_rotated" in _audit_actions(app, tenant_a)
    read_only = api_client_for(tenant_a, scopes=["automations:read"])
    assert read_only.post(f"/api/v1/workflows/{workflow_id}/rotate-secret").status_code == 403
    sales = api_client_for(tenant_a, role="sales")
    assert sales.post(f"/api/v1/workflows/{workflow_id}/rotate-secret").status_code == 403
