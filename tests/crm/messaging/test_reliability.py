"""A sender killed between the provider call and its commit neither sends twice nor loses the
message: the send is claimed before the call and reconciled with the provider afterwards."""

import json
import multiprocessing
import os
import signal
from datetime import timedelta

from werkzeug import Response

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.messaging.helpers import (
    TWILIO_SID,
    make_consenting_contact,
    message_row,
    messages_of,
    twilio_message_json,
)


def _deliver_in_own_process(settings, tenant_id, outbox_id, pid_file):
    """A fresh process that only delivers one outbox row (and gets killed mid-call)."""
    from app import create_app
    from app.messaging.services import deliver_outbox_message

    with open(pid_file, "w") as handle:
        handle.write(str(os.getpid()))
    app = create_app("testing", **settings)
    with app.app_context():
        deliver_outbox_message(tenant_id, outbox_id)


def _queue_sms(app, tenant):
    from app.crm.messaging.models import MessagingSettings
    from app.crm.messaging.sending import send_message
    from tests.crm.factories import _owner

    contact_id = make_consenting_contact(app, tenant)
    with in_tenant(app, tenant.id):
        db.session.add(MessagingSettings(quiet_hours_start=0, quiet_hours_end=0))
        db.session.flush()
        # Queued inside a service, delivered by the process below (not this one's after-commit).
        message = send_message(
            {"channel": "sms", "contact_id": str(contact_id), "body": "See you at 10"}, actor=_owner(tenant)
        )
        db.session.info.clear()
        return message.id, message.outbox_id


def test_a_sender_killed_after_twilio_accepted_does_not_send_again(app, tenant_a, httpserver, tmp_path):
    from app.messaging.models import OutboxMessage
    from app.messaging.services import reconcile_stale_claims

    sid = "SM" + "9" * 32
    pid_file = tmp_path / "sender.pid"
    accepted = []

    def create_then_kill_the_sender(request):
        accepted.append(request.form["Body"])
        os.kill(int(pid_file.read_text()), signal.SIGKILL)  # dies before it reads the answer
        return Response(
            json.dumps(twilio_message_json(sid, request.form["Body"])), status=201, content_type="application/json"
        )

    def list_messages(request):
        items = [twilio_message_json(sid, body) for body in accepted]
        return Response(
            json.dumps({"messages": items, "next_page_uri": None, "page": 0, "page_size": 50}),
            content_type="application/json",
        )

    base = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    httpserver.expect_request(base, method="POST").respond_with_handler(create_then_kill_the_sender)
    httpserver.expect_request(base, method="GET").respond_with_handler(list_messages)
    twilio = {
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_API_BASE": httpserver.url_for("/").rstrip("/"),
        "TWILIO_FROM_NUMBER": "+14155550100",
    }
    message_id, outbox_id = _queue_sms(app, tenant_a)

    keys = ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL")
    settings = {key: app.config[key] for key in keys if app.config.get(key)} | {"BASE_DOMAIN": "atrium.test", **twilio}
    context = multiprocessing.get_context("spawn")
    sender = context.Process(target=_deliver_in_own_process, args=(settings, tenant_a.id, outbox_id, str(pid_file)))
    sender.start()
    sender.join(timeout=120)
    assert sender.exitcode == -signal.SIGKILL
    assert accepted == ["See you at 10"]
    with in_tenant(app, tenant_a.id):
        assert db.session.get(OutboxMessage, (tenant_a.id, outbox_id)).status == "sending"  # claimed, result unknown

    app.config.update(**twilio)
    try:
        with app.app_context():
            later = reconcile_stale_claims(now=_now() + timedelta(minutes=10))
    finally:
        app.config.update(
            TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None, TWILIO_API_BASE=None, TWILIO_FROM_NUMBER=None
        )
    assert later == {"found_sent": 1, "requeued": 0, "awaiting_provider": 0, "unconfirmed": 0}
    assert len(accepted) == 1  # not sent twice
    message = message_row(app, tenant_a, message_id)
    assert (message.status, message.provider_message_id) == ("sent", sid)  # not lost


def test_a_claim_the_provider_never_got_is_sent_again(app, tenant_a, httpserver):
    from app.messaging.models import OutboxMessage, OutboxStatus
    from app.messaging.services import reconcile_stale_claims

    message_id, outbox_id = _queue_sms(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        row = db.session.get(OutboxMessage, (tenant_a.id, outbox_id))
        row.status, row.claimed_at = OutboxStatus.SENDING, _now() - timedelta(minutes=30)  # died before its call
    with app.app_context():
        # The console provider: nothing found at Twilio, so it was never sent.
        assert reconcile_stale_claims()["requeued"] == 1
    with in_tenant(app, tenant_a.id):
        assert db.session.get(OutboxMessage, (tenant_a.id, outbox_id)).status == OutboxStatus.QUEUED
    assert [m.id for m in messages_of(app, tenant_a)] == [message_id]


def _now():
    from app.core.types import utcnow

    return utcnow()


def _queue_email(app, tenant):
    from app.crm.messaging.sending import send_message
    from tests.crm.factories import _owner

    contact_id = make_consenting_contact(app, tenant)
    with in_tenant(app, tenant.id):
        message = send_message(
            {"channel": "email", "contact_id": str(contact_id), "subject": "Your proposal", "body": "Attached."},
            actor=_owner(tenant),
        )
        db.session.info.clear()
        return message.id, message.outbox_id


def _kill_the_email_sender_mid_call(app, tenant, httpserver, tmp_path) -> tuple:
    """A real sender process, given a real SendGrid client, is killed while SendGrid takes the
    message (it never sees the answer). Returns the message and outbox ids and what SendGrid got."""
    from app.messaging.models import OutboxMessage

    pid_file = tmp_path / "sender.pid"
    accepted = []

    def accept_then_kill_the_sender(request):
        accepted.append(request.get_json())
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        return Response("", status=202, headers={"X-Message-Id": "sg-kill-1"})

    httpserver.expect_request("/v3/mail/send", method="POST").respond_with_handler(accept_then_kill_the_sender)
    message_id, outbox_id = _queue_email(app, tenant)
    keys = ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL")
    settings = {key: app.config[key] for key in keys if app.config.get(key)} | {
        "BASE_DOMAIN": "atrium.test",
        "SENDGRID_API_KEY": "SG.test-key",
        "SENDGRID_API_BASE": httpserver.url_for("/").rstrip("/"),
    }
    sender = multiprocessing.get_context("spawn").Process(
        target=_deliver_in_own_process, args=(settings, tenant.id, outbox_id, str(pid_file))
    )
    sender.start()
    sender.join(timeout=120)
    assert sender.exitcode == -signal.SIGKILL
    assert len(accepted) == 1
    with in_tenant(app, tenant.id):
        assert db.session.get(OutboxMessage, (tenant.id, outbox_id)).status == "sending"  # claimed, result unknown
    return message_id, outbox_id, accepted


def _reconcile_with_sendgrid(app, httpserver, *, after: timedelta) -> dict:
    from app.messaging.services import reconcile_stale_claims

    app.config.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE=httpserver.url_for("/").rstrip("/"))
    try:
        with app.app_context():
            return reconcile_stale_claims(now=_now() + after)
    finally:
        app.config.update(SENDGRID_API_KEY=None)


def test_an_email_sender_killed_mid_call_is_settled_by_sendgrids_processed_event(
    app, tenant_a, apex_client, httpserver, tmp_path
):
    import json as jsonlib

    from app.messaging.models import OutboxMessage, OutboxStatus
    from tests.crm.messaging.helpers import SendGridSigner

    message_id, outbox_id, accepted = _kill_the_email_sender_mid_call(app, tenant_a, httpserver, tmp_path)
    # What SendGrid received names the outbox row; its event webhook echoes it back.
    custom_args = accepted[0]["personalizations"][0].get("custom_args") or accepted[0].get("custom_args")
    assert custom_args["outbox_id"] == str(outbox_id)

    # Reconciliation before SendGrid reports: the claim waits; nothing is sent again.
    assert _reconcile_with_sendgrid(app, httpserver, after=timedelta(minutes=10))["awaiting_provider"] == 1
    assert len(accepted) == 1

    signer = SendGridSigner()
    app.config.update(SENDGRID_WEBHOOK_PUBLIC_KEY=signer.public_key)
    try:
        event = {
            "event": "processed",
            "sg_event_id": "ev-p",
            "sg_message_id": "sg-kill-1.filter",
            "timestamp": 1764669600,
        }
        payload = jsonlib.dumps([{**event, **custom_args}])
        response = apex_client.post("/webhooks/sendgrid/events", data=payload, headers=signer.headers(payload))
        assert response.json["applied"] == 1
    finally:
        app.config.update(SENDGRID_WEBHOOK_PUBLIC_KEY=None)

    counts = _reconcile_with_sendgrid(app, httpserver, after=timedelta(hours=3))
    assert counts == {"found_sent": 0, "requeued": 0, "awaiting_provider": 0, "unconfirmed": 0}
    assert len(accepted) == 1  # never sent twice
    with in_tenant(app, tenant_a.id):
        assert db.session.get(OutboxMessage, (tenant_a.id, outbox_id)).status == OutboxStatus.SENT
    assert message_row(app, tenant_a, message_id).status == "sent"  # not lost


def test_an_email_sendgrid_never_confirms_is_set_aside_for_an_operator_not_sent_again(
    app, tenant_a, httpserver, tmp_path, console
):
    from app.messaging.models import OutboxMessage, OutboxStatus

    message_id, outbox_id, accepted = _kill_the_email_sender_mid_call(app, tenant_a, httpserver, tmp_path)
    counts = _reconcile_with_sendgrid(app, httpserver, after=timedelta(hours=2))
    assert counts["unconfirmed"] == 1
    assert "not confirmed" in message_row(app, tenant_a, message_id).status_reason  # the timeline says why
    assert len(accepted) == 1
    with in_tenant(app, tenant_a.id):
        row = db.session.get(OutboxMessage, (tenant_a.id, outbox_id))
        assert row.status == OutboxStatus.UNCONFIRMED
        assert "may have been sent" in row.last_error
    # The outbox job does not pick it up by itself…
    app.config.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE=httpserver.url_for("/").rstrip("/"))
    try:
        with app.app_context():
            from app.messaging.jobs import deliver_outbox

            deliver_outbox()
    finally:
        app.config.update(SENDGRID_API_KEY=None)
    assert len(accepted) == 1
    # …the console shows it, and an operator can choose to send it again.
    page = console.get("/jobs").get_data(as_text=True)
    assert "Unconfirmed <strong>1</strong>" in page
    assert "Send again" in page
    response = console.post(f"/jobs/outbox/{tenant_a.id}/{outbox_id}/retry")
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        assert db.session.get(OutboxMessage, (tenant_a.id, outbox_id)).status == OutboxStatus.QUEUED
