"""Outgoing webhooks: signed deliveries after commit, retries with backoff, giving up after
72 hours, no redirects, replay, the delivery log and the API."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug import Response

from app.core.extensions import db
from app.crm.webhooks import services
from app.crm.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.crm.webhooks.signing import SIGNATURE_HEADER, VERIFICATION_SNIPPET
from app.messaging.models import OutboxMessage
from tests.conftest import in_tenant
from tests.crm.automation.helpers import dispatch_events, run_due_jobs, scheduled_jobs, settle
from tests.crm.factories import make_contact


@pytest.fixture
def local_receiver(app, monkeypatch, httpserver):
    """The tests' receiver runs on loopback, which only this allow-list lets the guard pass."""
    monkeypatch.setitem(app.config, "SSRF_ALLOWED_ADDRESSES", ["127.0.0.1"])
    return httpserver


def hook_url(server, path="/hook") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def subscribe(app, tenant, url, events=("contact.created",), role="owner"):
    from app.auth.models import User

    with in_tenant(app, tenant.id):
        actor = db.session.get(User, (tenant.id, tenant.users[role]))
        subscription = services.create_subscription(
            {"name": "CRM sync", "url": url, "event_types": list(events)}, actor=actor
        )
        return subscription.id, subscription.secret


def deliveries(app, tenant) -> list[WebhookDelivery]:
    with in_tenant(app, tenant.id):
        rows = list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))
        db.session.expunge_all()
    return rows


def verify(secret: str, header: str, body: bytes) -> bool:
    namespace: dict = {}
    exec(VERIFICATION_SNIPPET, namespace)  # the snippet the API docs show, run as a receiver would
    return namespace["verify_signature"](secret, header, body)


def test_event_is_delivered_after_commit_signed_verifiably(app, tenant_a, local_receiver):
    local_receiver.expect_request("/hook", method="POST").respond_with_data("ok")
    _, secret = subscribe(app, tenant_a, hook_url(local_receiver))
    contact_id = make_contact(app, tenant_a, first_name="Ada", last_name="Lovelace")
    assert not local_receiver.log  # nothing is sent inside the request's transaction
    settle(app, tenant_a)
    request, _ = local_receiver.log[0]
    body = request.get_data()
    assert verify(secret, request.headers[SIGNATURE_HEADER], body)
    assert not verify("whsec_wrong", request.headers[SIGNATURE_HEADER], body)
    assert not verify(secret, request.headers[SIGNATURE_HEADER], body.replace(b"Ada", b"Eve"))
    payload = json.loads(body)
    assert payload["type"] == "contact.created"
    assert payload["record_id"] == str(contact_id)
    assert payload["record"]["first_name"] == "Ada"
    assert request.headers["Atrium-Event"] == "contact.created"
    [delivery] = deliveries(app, tenant_a)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.response_status == 200
    assert delivery.response_ms is not None


def test_failing_receiver_is_retried_with_backoff_until_it_answers(app, tenant_a, local_receiver):
    local_receiver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    local_receiver.expect_ordered_request("/hook").respond_with_data("down", status=500)
    local_receiver.expect_ordered_request("/hook").respond_with_data("ok", status=204)
    subscribe(app, tenant_a, hook_url(local_receiver))
    make_contact(app, tenant_a)
    settle(app, tenant_a)
    [delivery] = deliveries(app, tenant_a)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    first_retry = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=15) <= first_retry <= timedelta(seconds=30)
    [job] = scheduled_jobs(app, tenant_a, "webhook.delivery")
    assert job["object_id"] == f"{delivery.id}.2"
    for _ in range(2):
        run_due_jobs(app, tenant_a, now=delivery.next_attempt_at + timedelta(hours=1))
    [delivery] = deliveries(app, tenant_a)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [entry["status"] for entry in delivery.attempt_log] == [503, 500, 204]
    assert len(local_receiver.log) == 3
    assert scheduled_jobs(app, tenant_a, "webhook.delivery") == []


def test_after_72_hours_of_failures_the_subscription_is_disabled_and_admins_told(app, tenant_a, local_receiver):
    local_receiver.expect_request("/hook").respond_with_data("down", status=500)
    subscription_id, _ = subscribe(app, tenant_a, hook_url(local_receiver))
    make_contact(app, tenant_a)
    dispatch_events(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        delivery = db.session.scalar(select(WebhookDelivery))
        now = delivery.next_attempt_at
        delays = []
        while delivery.status == DeliveryStatus.PENDING:
            services.attempt_delivery(delivery, now=now)
            if delivery.next_attempt_at:
                delays.append(delivery.next_attempt_at - now)
                now = delivery.next_attempt_at
        assert delivery.status == DeliveryStatus.DEAD
        assert timedelta(hours=66) < now - delivery.first_attempt_at <= timedelta(hours=72)
        assert delays[1] > delays[0]
        assert max(delays) <= timedelta(hours=6)
        subscription = db.session.get(WebhookSubscription, (tenant_a.id, subscription_id))
        assert not subscription.is_active
        assert "72 hours" in subscription.disabled_reason
        emails = {message.payload["to"] for message in db.session.scalars(select(OutboxMessage))}
    assert emails == {"owner@example.com", "admin@example.com"}
    make_contact(app, tenant_a)
    dispatch_events(app, tenant_a)
    assert len(deliveries(app, tenant_a)) == 1  # a disabled subscription gets nothing new


def test_redirects_are_not_followed(app, tenant_a, local_receiver):
    local_receiver.expect_request("/hook").respond_with_response(
        Response("", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    subscribe(app, tenant_a, hook_url(local_receiver))
    make_contact(app, tenant_a)
    settle(app, tenant_a)
    [delivery] = deliveries(app, tenant_a)
    assert delivery.response_status == 302
    assert delivery.status == DeliveryStatus.PENDING  # a redirect is a failure, retried later
    assert len(local_receiver.log) == 1


def test_a_name_that_resolves_inside_at_send_time_is_refused(app, tenant_a, monkeypatch):
    from app.core import ssrf

    monkeypatch.setattr(ssrf, "resolve_host", lambda host, port: ["93.184.215.14"])
    subscribe(app, tenant_a, "https://hooks.example.com/in")
    monkeypatch.setattr(ssrf, "resolve_host", lambda host, port: ["10.0.0.5"])  # DNS changed its answer
    make_contact(app, tenant_a)
    settle(app, tenant_a)
    [delivery] = deliveries(app, tenant_a)
    assert delivery.response_status is None
    assert delivery.last_error.startswith("Refused: The address 10.0.0.5")


def test_a_delivery_that_got_no_answer_reads_cleanly_in_the_log(app, tenant_a, client_for, local_receiver):
    """The log's Response cell read "· 124 msSSLError: …" for a receiver that never answered:
    a separator before nothing, and none between the time and the error."""
    import re

    subscription_id, _ = subscribe(app, tenant_a, "http://127.0.0.1:9/hook")  # nothing listens there
    make_contact(app, tenant_a)
    settle(app, tenant_a, rounds=1)
    [delivery] = deliveries(app, tenant_a)
    assert delivery.response_status is None
    assert delivery.response_ms is not None
    page = client_for(tenant_a).get(f"/settings/webhooks/{subscription_id}").get_data(as_text=True)
    cell = re.search(r'<td class="small">(.*?)<div class="text-body-secondary">next try', page, re.S).group(1)
    shown = " ".join(re.sub(r"<[^>]+>", " ", cell).split())
    assert re.fullmatch(r"\S.* · \d+ ms", shown), shown


def test_a_dead_delivery_can_be_replayed_from_the_log(app, tenant_a, client_for, local_receiver):
    local_receiver.expect_request("/hook").respond_with_data("ok")
    subscription_id, _ = subscribe(app, tenant_a, hook_url(local_receiver))
    make_contact(app, tenant_a)
    dispatch_events(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        delivery = db.session.scalar(select(WebhookDelivery))
        delivery.status = DeliveryStatus.DEAD
        delivery_id = delivery.id
    client = client_for(tenant_a)
    response = client.post(f"/settings/webhooks/{subscription_id}/deliveries/{delivery_id}/replay")
    assert response.status_code == 302
    run_due_jobs(app, tenant_a)
    replayed = [item for item in deliveries(app, tenant_a) if item.replay_of_id == delivery_id]
    assert len(replayed) == 1
    assert replayed[0].status == DeliveryStatus.SUCCEEDED
    page = client.get(f"/settings/webhooks/{subscription_id}")
    assert b"replay" in page.data
    assert b"HTTP 200" in page.data


def test_other_tenants_events_never_reach_a_subscription(app, tenant_a, tenant_b, local_receiver):
    local_receiver.expect_request("/hook").respond_with_data("ok")
    subscribe(app, tenant_a, hook_url(local_receiver))
    make_contact(app, tenant_b)
    settle(app, tenant_b)
    settle(app, tenant_a)
    assert not local_receiver.log


def test_every_event_is_not_marked_like_a_required_field(tenant_a, client_for):
    """The first event choice read "Every event *": its code, a red star, looked like the mark
    of a required field; the other choices show their code to say what the receiver gets."""
    page = client_for(tenant_a).get("/settings/webhooks").get_data(as_text=True)
    assert '<code class="small">*</code>' not in page
    assert '<code class="small">contact.created</code>' in page


def test_a_webhook_turned_off_says_so_on_its_page(app, tenant_a, client_for, local_receiver):
    """A webhook someone had turned off showed an empty delivery log and a "Send a test event"
    button, with nothing but an unticked box at the foot of its settings to say why nothing came."""
    subscription_id, _ = subscribe(app, tenant_a, hook_url(local_receiver))
    with in_tenant(app, tenant_a.id):
        db.session.get(WebhookSubscription, (tenant_a.id, subscription_id)).is_active = False
    page = client_for(tenant_a).get(f"/settings/webhooks/{subscription_id}").get_data(as_text=True)
    assert "Turned off: no event is delivered until it is made active again." in page


def test_sales_user_cannot_see_or_manage_webhooks(tenant_a, client_for):
    client = client_for(tenant_a, "sales")
    assert client.get("/settings/webhooks").status_code == 403
    assert client.post("/settings/webhooks", data={"name": "x"}).status_code == 403


def test_api_refuses_private_url_and_lists_deliveries(app, tenant_a, api_client_for, local_receiver):
    local_receiver.expect_request("/hook").respond_with_data("ok")
    api = api_client_for(tenant_a)
    refused = api.post("/api/v1/webhooks", json={"name": "x", "url": "http://[::ffff:10.0.0.1]/", "event_types": ["*"]})
    assert refused.status_code == 422
    assert "url" in refused.get_json()["error"]["details"]
    created = api.post(
        "/api/v1/webhooks", json={"name": "Sync", "url": hook_url(local_receiver), "event_types": ["contact.*"]}
    )
    assert created.status_code == 201, created.get_json()
    subscription_id = created.get_json()["id"]
    make_contact(app, tenant_a)
    settle(app, tenant_a)
    page = api.get(f"/api/v1/webhooks/{subscription_id}/deliveries").get_json()
    assert [item["status"] for item in page["items"]] == ["succeeded"]
    assert api.patch(f"/api/v1/webhooks/{subscription_id}", json={"is_active": False}).get_json()["is_active"] is False
    document = api.get("/api/v1/openapi.json").get_json()
    assert "verify_signature" in json.dumps(document)


def test_delivery_log_page_runs_a_bounded_number_of_queries(app, tenant_a, client_for, local_receiver, query_counter):
    local_receiver.expect_request("/hook").respond_with_data("ok")
    subscription_id, _ = subscribe(app, tenant_a, hook_url(local_receiver))
    client = client_for(tenant_a)
    make_contact(app, tenant_a)
    settle(app, tenant_a)
    client.get(
        f"/settings/webhooks/{subscription_id}"
    )  # the first request of a workspace fills caches (plan usage counters)
    with query_counter() as few:
        assert client.get(f"/settings/webhooks/{subscription_id}").status_code == 200
    for _ in range(6):
        make_contact(app, tenant_a)
    settle(app, tenant_a)
    with query_counter() as many:
        assert client.get(f"/settings/webhooks/{subscription_id}").status_code == 200
    assert many.count == few.count


def test_events_queue_webhook_deliveries_only_while_a_subscription_wants_them(app, tenant_a, as_user, local_receiver):
    from app.core.events import EventDelivery
    from app.crm.contacts.services import create_contact

    def queued(kind):
        statement = select(EventDelivery).where(EventDelivery.consumer == "webhooks")
        return [row for row in db.session.scalars(statement) if row.record_key.startswith(kind)]

    with as_user(tenant_a) as owner:
        create_contact({"first_name": "Before"}, actor=owner)
        assert queued("contact") == []
        services.create_subscription(
            {"name": "Leads only", "url": hook_url(local_receiver, "/x"), "event_types": ["lead.*"]}, actor=owner
        )
        create_contact({"first_name": "Not wanted"}, actor=owner)
        assert queued("contact") == []
        services.create_subscription(
            {"name": "CRM sync", "url": hook_url(local_receiver, "/y"), "event_types": ["contact.created"]},
            actor=owner,
        )
        create_contact({"first_name": "Wanted"}, actor=owner)
        assert len(queued("contact")) == 1


def test_a_webhook_turned_off_sends_no_more_retries(app, tenant_a, client_for, local_receiver):
    """Turning a webhook off stopped new events, but a delivery waiting for its retry still went
    out to the receiver someone had just turned off, as often as its backoff said, for 72 hours."""
    local_receiver.expect_request("/hook").respond_with_data("down", status=500)
    subscription_id, _ = subscribe(app, tenant_a, hook_url(local_receiver))
    make_contact(app, tenant_a)
    settle(app, tenant_a)
    assert len(local_receiver.log) == 1
    with in_tenant(app, tenant_a.id):
        subscription = db.session.get(WebhookSubscription, (tenant_a.id, subscription_id))
        services.update_subscription(subscription, {"is_active": False}, actor=_owner(tenant_a))
    [delivery] = deliveries(app, tenant_a)
    run_due_jobs(app, tenant_a, now=delivery.next_attempt_at + timedelta(hours=1))
    assert len(local_receiver.log) == 1
    [delivery] = deliveries(app, tenant_a)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DEAD, 1)
    assert delivery.last_error == "Not sent: the webhook was turned off."
    assert scheduled_jobs(app, tenant_a, "webhook.delivery") == []


def _owner(tenant):
    from app.auth.models import User

    return db.session.get(User, (tenant.id, tenant.users["owner"]))


def test_a_webhook_turned_off_offers_no_test_event(app, tenant_a, client_for, local_receiver):
    subscription_id, _ = subscribe(app, tenant_a, hook_url(local_receiver))
    with in_tenant(app, tenant_a.id):
        db.session.get(WebhookSubscription, (tenant_a.id, subscription_id)).is_active = False
    client = client_for(tenant_a)
    page = client.get(f"/settings/webhooks/{subscription_id}").get_data(as_text=True)
    assert 'data-testid="webhook-test"' not in page
    assert client.post(f"/settings/webhooks/{subscription_id}/test").status_code == 422
    assert deliveries(app, tenant_a) == []


def test_the_api_rotates_a_subscriptions_secret_as_the_page_does(app, tenant_a, api_client_for, local_receiver):
    """The page had "Rotate the secret"; an integration managing its webhooks by API had no way
    to replace a leaked one but to delete the subscription, and its delivery log with it."""
    webhook_id, old = subscribe(app, tenant_a, hook_url(local_receiver))
    api = api_client_for(tenant_a)
    rotated = api.post(f"/api/v1/webhooks/{webhook_id}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.get_json()["secret"] not in (old, "")
    assert api.get(f"/api/v1/webhooks/{webhook_id}").get_json()["secret"] == rotated.get_json()["secret"]
    read_only = api_client_for(tenant_a, scopes=["webhooks:read"])
    assert read_only.post(f"/api/v1/webhooks/{webhook_id}/rotate-secret").status_code == 403
