"""Email goes through the outbox: written in the request's transaction, sent after commit,
and through the real SendGrid client when a key is configured."""

import json

from sqlalchemy import select

from app.core.extensions import db
from app.messaging.models import OutboxMessage, OutboxStatus
from tests.conftest import in_tenant


def _invite(client, email="new@example.com"):
    return client.post("/settings/users/invite", data={"email": email, "role": "sales"})


def _outbox(app, tenant):
    with in_tenant(app, tenant):
        return [
            {"status": m.status, "attempts": m.attempts, "error": m.last_error, "provider_id": m.provider_message_id}
            for m in db.session.scalars(select(OutboxMessage))
        ]


def test_console_provider_stores_the_message_for_the_dev_mailbox(app, tenant_a, client_for, apex_client):
    _invite(client_for(tenant_a))
    [message] = _outbox(app, tenant_a)
    assert message["status"] == OutboxStatus.SENT
    mailbox = apex_client.get("/dev/mailbox")
    assert b"new@example.com" in mailbox.data


def test_sendgrid_client_is_called_after_commit(app, tenant_a, client_for, httpserver):
    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_data(
        "", status=202, headers={"X-Message-Id": "sg-123"}
    )
    app.config.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE=httpserver.url_for("/").rstrip("/"))
    try:
        _invite(client_for(tenant_a))
    finally:
        app.config.update(SENDGRID_API_KEY=None)
    [request_, _response] = httpserver.log[0]
    body = json.loads(request_.data)
    assert request_.headers["Authorization"] == "Bearer SG.test-key"
    assert body["personalizations"][0]["to"][0]["email"] == "new@example.com"
    assert "invited you" in body["subject"]
    [message] = _outbox(app, tenant_a)
    assert (message["status"], message["provider_id"]) == (OutboxStatus.SENT, "sg-123")


def test_failed_delivery_stays_queued_with_its_error(app, tenant_a, client_for, httpserver):
    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_data("boom", status=503)
    app.config.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE=httpserver.url_for("/").rstrip("/"))
    try:
        response = _invite(client_for(tenant_a))
    finally:
        app.config.update(SENDGRID_API_KEY=None)
    assert response.status_code == 302  # the invitation itself succeeded
    [message] = _outbox(app, tenant_a)
    assert message["status"] == OutboxStatus.QUEUED
    assert message["attempts"] == 1
    assert "503" in message["error"]


def test_a_refused_request_queues_nothing(app, make_tenant, client_for):
    tenant = make_tenant("tiny", plan="free", roles=("owner", "sales"))
    response = _invite(client_for(tenant))
    assert response.status_code == 402
    assert _outbox(app, tenant) == []


def test_dev_mailbox_is_off_when_sendgrid_is_configured(app, apex_client):
    app.config.update(SENDGRID_API_KEY="SG.test-key")
    try:
        assert apex_client.get("/dev/mailbox").status_code == 404
    finally:
        app.config.update(SENDGRID_API_KEY=None)
