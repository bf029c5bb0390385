"""REST v1 messaging: templates with preview, send one, campaigns, conversations, suppressions;
scopes and roles apply; the OpenAPI document describes them."""

from tests.conftest import deliver_outbox
from tests.crm.factories import make_tag
from tests.crm.messaging.helpers import make_consenting_contact, messages_of


def test_templates_preview_and_send_one(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    contact_id = make_consenting_contact(app, tenant_a)
    created = api.post(
        "/api/v1/message-templates",
        json={"name": "Hi", "channel": "sms", "text_body": "Hi {{ contact.first_name }} " + "é" * 70},
    )
    assert created.status_code == 201, created.json
    preview = api.get(f"/api/v1/message-templates/{created.json['id']}/preview?contact_id={contact_id}")
    assert preview.json["text"].startswith("Hi Ada ")
    assert preview.json["segments"]["segments"] == 1  # é is GSM-7: 80 characters
    sent = api.post(
        "/api/v1/messages", json={"channel": "email", "contact_id": str(contact_id), "subject": "Hello", "body": "Text"}
    )
    assert sent.status_code == 201, sent.json
    assert sent.json["status"] == "queued"  # the request only queues it; the job runner sends it
    assert api.get(f"/api/v1/messages/{sent.json['id']}").json["status"] == "queued"
    deliver_outbox(app)
    after = api.get(f"/api/v1/messages/{sent.json['id']}").json
    assert (after["to_address"], after["status"]) == ("ada@example.com", "sent")
    listed = api.get(f"/api/v1/messages?contact_id={contact_id}")
    assert [item["id"] for item in listed.json["items"]] == [sent.json["id"]]


def test_a_bad_template_and_no_consent_are_422(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    broken = api.post(
        "/api/v1/message-templates",
        json={"name": "Bad", "channel": "email", "subject": "x", "text_body": "{{ contact.first_name "},
    )
    assert broken.status_code == 422
    assert "text_body" in broken.json["error"]["details"]
    for html in (
        "<p>{{ contact.first_name|safe }}</p>",
        "{% autoescape false %}{{ contact.title }}{% endautoescape %}",
    ):
        unescaped = api.post(
            "/api/v1/message-templates",
            json={"name": "Raw", "channel": "email", "subject": "x", "text_body": "x", "html_body": html},
        )
        assert unescaped.status_code == 422
        assert "html_body" in unescaped.json["error"]["details"]
    contact_id = make_consenting_contact(app, tenant_a, email_consent="unknown")
    refused = api.post(
        "/api/v1/messages", json={"channel": "email", "contact_id": str(contact_id), "subject": "Hi", "body": "x"}
    )
    assert refused.status_code == 422
    assert messages_of(app, tenant_a) == []


def test_campaign_create_launch_and_results(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    tag_id = make_tag(app, tenant_a)
    template = api.post(
        "/api/v1/message-templates", json={"name": "News", "channel": "email", "subject": "News", "text_body": "Hello"}
    ).json
    campaign = api.post(
        "/api/v1/campaigns", json={"name": "News", "template_id": template["id"], "audience": f"tag:{tag_id}"}
    )
    assert campaign.status_code == 201, campaign.json
    assert campaign.json["status"] == "draft"
    launched = api.post(f"/api/v1/campaigns/{campaign.json['id']}/launch")
    assert launched.json["status"] == "sending"
    assert set(launched.json["stats"]) >= {"sent", "delivered", "opened", "clicked", "bounced", "unsubscribed"}
    assert api.delete(f"/api/v1/campaigns/{campaign.json['id']}").status_code == 409


def test_an_sms_campaign_reports_its_opens_and_clicks_as_not_tracked(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    template = api.post("/api/v1/message-templates", json={"name": "Text", "channel": "sms", "text_body": "Hi"}).json
    campaign = api.post(
        "/api/v1/campaigns",
        json={"name": "Texts", "template_id": template["id"], "audience": f"tag:{make_tag(app, tenant_a)}"},
    )
    assert campaign.status_code == 201, campaign.json
    untracked = {"opened": None, "clicked": None, "open_rate": None, "click_rate": None}
    for body in (campaign.json, api.get("/api/v1/campaigns").json["items"][0]):
        assert {key: body["stats"][key] for key in untracked} == untracked  # an SMS has no pixel: not a 0 %
        assert body["stats"]["sent"] == 0
    documented = api.get("/api/v1/openapi.json").json["components"]["schemas"]["CampaignStats"]["properties"]
    assert all(documented[key]["nullable"] for key in untracked)


def test_suppressions_and_scopes(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    added = api.post("/api/v1/suppressions", json={"channel": "email", "address": "Gone@Example.com"})
    assert added.status_code == 201
    assert added.json["address"] == "gone@example.com"
    assert [s["address"] for s in api.get("/api/v1/suppressions").json["items"]] == ["gone@example.com"]
    reader = api_client_for(tenant_a, scopes=["messages:read"])
    assert reader.get("/api/v1/messages").status_code == 200
    assert (
        reader.post(
            "/api/v1/messages",
            json={
                "channel": "email",
                "contact_id": str(make_consenting_contact(app, tenant_a, email="x@example.com")),
                "body": "x",
                "subject": "x",
            },
        ).status_code
        == 403
    )
    assert api.delete(f"/api/v1/suppressions/{added.json['id']}").status_code == 204


def test_the_openapi_document_has_the_messaging_resources(app, tenant_a, api_client_for):
    paths = api_client_for(tenant_a).get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/message-templates",
        "/api/v1/messages",
        "/api/v1/campaigns/{campaign_id}/launch",
        "/api/v1/conversations/{conversation_id}/reply",
        "/api/v1/suppressions",
    ):
        assert path in paths


def test_a_second_template_of_the_same_name_is_a_422_not_a_500(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    body = {"name": "Welcome", "channel": "sms", "text_body": "Hi {{ contact.first_name }}"}
    assert api.post("/api/v1/message-templates", json=body).status_code == 201
    assert api.post("/api/v1/message-templates", json={**body, "name": "Ûber"}).status_code == 201
    for name in ("Welcome", "WELCOME", "Ûber"):
        again = api.post("/api/v1/message-templates", json={**body, "name": name})
        assert again.status_code == 422, name
        assert again.json["error"]["details"]["name"] == ["A template with this name exists."]
    created = api.post("/api/v1/message-templates", json={**body, "name": "Other"}).json
    assert api.patch(f"/api/v1/message-templates/{created['id']}", json={}).status_code == 200
    assert api.patch(f"/api/v1/message-templates/{created['id']}", json={"name": "other"}).status_code == 200


def test_the_messaging_lists_search_what_they_document(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    for name, subject in (("Welcome", "Hello there"), ("Invoice reminder", "100% due"), ("News", "Spring news")):
        body = {"name": name, "channel": "email", "subject": subject, "text_body": "Hi"}
        assert api.post("/api/v1/message-templates", json=body).status_code == 201
    for address in ("gone@example.com", "bounced@other.test"):
        assert api.post("/api/v1/suppressions", json={"channel": "email", "address": address}).status_code == 201

    def names(path):
        response = api.get(path)
        assert response.status_code == 200, response.json
        return sorted(item.get("name") or item.get("address") for item in response.json["items"])

    assert names("/api/v1/message-templates?q=WELC") == ["Welcome"]
    assert names("/api/v1/message-templates?q=news") == ["News"]  # its name and its subject: once
    assert names("/api/v1/message-templates?q=100%25") == ["Invoice reminder"]  # % is a character
    assert names("/api/v1/message-templates?q=%25%25") == []
    assert names("/api/v1/suppressions?q=other.test") == ["bounced@other.test"]
    assert names("/api/v1/campaigns?q=anything") == []


def test_lists_without_a_search_refuse_q_and_do_not_document_it(app, tenant_a, api_client_for):
    api = api_client_for(tenant_a)
    refused = api.get("/api/v1/conversations?q=hello")
    assert refused.status_code == 422
    assert "q" in str(refused.json)
    assert api.get("/api/v1/conversations").status_code == 200
    paths = api.get("/api/v1/openapi.json").json["paths"]

    def documents_q(path):
        return "q" in [parameter["name"] for parameter in paths[path]["get"].get("parameters", [])]

    for path in (
        "/api/v1/conversations",
        "/api/v1/webhooks/{webhook_id}/deliveries",
        "/api/v1/workflows/runs",
        "/api/v1/forms/submissions",
    ):
        assert not documents_q(path), path
    for path in ("/api/v1/message-templates", "/api/v1/messages", "/api/v1/campaigns", "/api/v1/suppressions"):
        assert documents_q(path), path


def test_a_campaigns_recipients_by_what_they_did(app, tenant_a, api_client_for, httpserver):
    from sqlalchemy import select, update

    from app.core.extensions import db
    from app.core.types import utcnow
    from app.crm.messaging.models import Message
    from tests.conftest import in_tenant
    from tests.crm.messaging.helpers import sendgrid_at
    from tests.crm.messaging.test_campaigns import _audience, _batch, _campaign

    campaign_id = _campaign(app, tenant_a, _audience(app, tenant_a, 3))
    with sendgrid_at(app, httpserver):
        _batch(app, tenant_a, campaign_id)
    with in_tenant(app, tenant_a.id):
        first = db.session.scalars(select(Message.id).where(Message.campaign_id == campaign_id)).first()
        db.session.execute(update(Message).where(Message.id == first).values(opened_at=utcnow(), clicked_at=utcnow()))
        db.session.commit()
    api = api_client_for(tenant_a)
    everyone = api.get(f"/api/v1/campaigns/{campaign_id}/recipients?limit=2")
    assert everyone.status_code == 200, everyone.json
    assert len(everyone.json["items"]) == 2
    rest = api.get(f"/api/v1/campaigns/{campaign_id}/recipients?limit=2&cursor={everyone.json['next_cursor']}")
    assert len(rest.json["items"]) == 1
    opened = api.get(f"/api/v1/campaigns/{campaign_id}/recipients?outcome=opened").json["items"]
    assert [item["id"] for item in opened] == [str(first)]
    assert api.get(f"/api/v1/campaigns/{campaign_id}/recipients?outcome=bounced").json["items"] == []
    refused = api.get(f"/api/v1/campaigns/{campaign_id}/recipients?outcome=loved")
    assert refused.status_code == 422
    assert "outcome" in refused.json["error"]["details"]
    assert api.get(f"/api/v1/campaigns/{campaign_id}/recipients?q=ada").status_code == 422  # no search here
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/campaigns/{campaign_id}/recipients" in paths
