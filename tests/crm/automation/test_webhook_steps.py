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
