"""Email goes through the outbox: written in the request's transaction, sent by the job runner
(never while serving a request), and through the real SendGrid client when a key is configured."""

import json
import time

import pytest
from sqlalchemy import select
from werkzeug import Response

from app.core.extensions import db
from app.messaging.models import OutboxMessage, OutboxStatus
from app.messaging.providers import (
    ConsoleEmailProvider,
    DeliveryError,
    EmailMessage,
    ProviderCalledInRequest,
    SendGridEmailProvider,
    SmsMessage,
    TwilioSmsProvider,
    get_email_provider,
    get_sms_provider,
)
from tests.conftest import deliver_outbox, in_tenant


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
    assert b"new@example.com" not in apex_client.get("/dev/mailbox").data
    assert deliver_outbox(app)["sent"] == 1
    [message] = _outbox(app, tenant_a)
    assert message["status"] == OutboxStatus.SENT
    mailbox = apex_client.get("/dev/mailbox")
    assert b"new@example.com" in mailbox.data


def test_sendgrid_client_is_called_by_the_job_not_the_request(app, tenant_a, client_for, httpserver):
    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_data(
        "", status=202, headers={"X-Message-Id": "sg-123"}
    )
    app.config.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE=httpserver.url_for("/").rstrip("/"))
    try:
        response = _invite(client_for(tenant_a))
        assert response.status_code == 302
        assert httpserver.log == []  # the request only queued it
        [message] = _outbox(app, tenant_a)
        assert (message["status"], message["attempts"]) == (OutboxStatus.QUEUED, 0)
        assert deliver_outbox(app)["sent"] == 1
    finally:
        app.config.update(SENDGRID_API_KEY=None)
    [(request_, _response)] = httpserver.log
    body = json.loads(request_.data)
    assert request_.headers["Authorization"] == "Bearer SG.test-key"
    assert body["personalizations"][0]["to"][0]["email"] == "new@example.com"
    assert "invited you" in body["subject"]
    [message] = _outbox(app, tenant_a)
    assert (message["status"], message["provider_id"]) == (OutboxStatus.SENT, "sg-123")


def test_a_provider_refuses_to_be_called_while_a_request_is_served(app, httpserver):
    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_data("", status=202)
    httpserver.expect_request("/2010-04-01/Accounts/AC0/Messages.json", method="POST").respond_with_json(
        {"sid": "SM1"}, status=201
    )
    email = EmailMessage(to="a@example.com", subject="Hi", text_body="Hi", html_body="", from_address="x@example.com")
    sms = SmsMessage(to="+14155550123", body="Hi", from_number="+14155550100")
    base = httpserver.url_for("/").rstrip("/")
    with app.test_request_context("/"):
        providers = [
            ConsoleEmailProvider().send,
            SendGridEmailProvider("SG.test-key", base, 5).send,
        ]
        for send in providers:
            with pytest.raises(ProviderCalledInRequest):
                send(email)
        twilio = TwilioSmsProvider("AC0", "token", base, timeout=5)
        with pytest.raises(ProviderCalledInRequest):
            twilio.send(sms)
        with pytest.raises(ProviderCalledInRequest):
            twilio.find_sent(sms, None)
    assert httpserver.log == []


def test_a_slow_provider_fails_the_send_after_the_timeout(app, httpserver):
    def slow(request):
        time.sleep(1.5)
        return Response("{}", status=202)

    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_handler(slow)
    httpserver.expect_request("/2010-04-01/Accounts/AC0/Messages.json", method="POST").respond_with_handler(slow)
    email = EmailMessage(to="a@example.com", subject="Hi", text_body="Hi", html_body="", from_address="x@example.com")
    sms = SmsMessage(to="+14155550123", body="Hi", from_number="+14155550100")
    base = httpserver.url_for("/").rstrip("/")
    previous = {key: app.config[key] for key in ("PROVIDER_TIMEOUT_SECONDS", "SENDGRID_API_BASE")}
    app.config.update(
        PROVIDER_TIMEOUT_SECONDS=0.3,
        SENDGRID_API_KEY="SG.test-key",
        SENDGRID_API_BASE=base,
        TWILIO_ACCOUNT_SID="AC0",
        TWILIO_AUTH_TOKEN="token",
        TWILIO_API_BASE=base,
    )
    try:
        with app.app_context():
            for provider, message in ((get_email_provider(), email), (get_sms_provider(), sms)):
                started = time.monotonic()
                with pytest.raises(DeliveryError, match="unreachable"):
                    provider.send(message)
                assert time.monotonic() - started < 1.2
    finally:
        app.config.update(
            previous,
            SENDGRID_API_KEY=None,
            TWILIO_ACCOUNT_SID=None,
            TWILIO_AUTH_TOKEN=None,
            TWILIO_API_BASE=None,
        )


def test_failed_delivery_stays_queued_with_its_error(app, tenant_a, client_for, httpserver):
    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_data("boom", status=503)
    app.config.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE=httpserver.url_for("/").rstrip("/"))
    try:
        response = _invite(client_for(tenant_a))
        assert deliver_outbox(app)["queued"] == 1
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
