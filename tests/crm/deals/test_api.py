"""REST v1 deals, moves, stage history, pipelines, stages and reasons: the same rules as the
pages (plan limits answer 402, read-only keys and viewers cannot write), in the OpenAPI document."""

import uuid
from decimal import Decimal

from sqlalchemy import select

from app.core.extensions import db
from app.crm.deals.models import StageChange
from tests.conftest import in_tenant


def _stages(api) -> dict:
    pipeline = api.get("/api/v1/pipelines").json["items"][0]
    return {stage["name"]: stage for stage in pipeline["stages"]}


def test_create_move_close_and_read_history(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    contact = api.post("/api/v1/contacts", json={"first_name": "Ada"}).json
    company = api.post("/api/v1/companies", json={"name": "Engines"}).json
    created = api.post(
        "/api/v1/deals",
        json={
            "name": "Analytical engine",
            "value": "25000",
            "currency": "eur",
            "expected_close_date": "2027-01-31",
            "company_id": company["id"],
            "contacts": [{"contact_id": contact["id"], "primary": True}],
        },
    )
    assert created.status_code == 201, created.json
    deal = created.json
    stages = _stages(api)
    assert deal["stage_id"] == stages["Prospecting"]["id"]
    assert (deal["currency"], deal["probability"], deal["status"]) == ("EUR", 10, "open")
    assert deal["contacts"] == [{"contact_id": contact["id"], "primary": True}]

    moved = api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": stages["Negotiation"]["id"]})
    assert moved.status_code == 200, moved.json
    assert moved.json["probability"] == 75
    refused = api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": stages["Closed lost"]["id"]})
    assert refused.status_code == 422
    assert "close_reason_id" in refused.json["error"]["details"]
    reason = next(item for item in api.get("/api/v1/deal-reasons").json["items"] if item["kind"] == "lost")
    lost = api.post(
        f"/api/v1/deals/{deal['id']}/move",
        json={"stage_id": stages["Closed lost"]["id"], "close_reason_id": reason["id"], "close_note": "Budget cut"},
    )
    assert lost.status_code == 200, lost.json
    assert (lost.json["status"], lost.json["close_reason_id"], lost.json["close_note"]) == (
        "lost",
        reason["id"],
        "Budget cut",
    )
    assert lost.json["closed_at"] is not None
    history = api.get(f"/api/v1/deals/{deal['id']}/stage-history").json["items"]
    assert [item["to_stage_name"] for item in history] == ["Closed lost", "Negotiation", "Prospecting"]
    assert history[-1]["from_stage_id"] is None
    assert all(item["seconds_in_stage"] >= 0 for item in history)
    listed = api.get("/api/v1/deals?status=lost").json["items"]
    assert [item["id"] for item in listed] == [deal["id"]]


def test_move_by_position_orders_the_column(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    first = api.post("/api/v1/deals", json={"name": "First"}).json
    second = api.post("/api/v1/deals", json={"name": "Second"}).json
    third = api.post("/api/v1/deals", json={"name": "Third"}).json
    # New deals go on top: Third, Second, First. Put Third at the bottom.
    assert api.post(f"/api/v1/deals/{third['id']}/move", json={"position": 2}).status_code == 200
    from app.crm.deals.models import Deal

    with in_tenant(app, tenant_a.id):
        order = db.session.scalars(select(Deal.name).order_by(Deal.board_rank)).all()
    assert order == ["Second", "First", "Third"]
    assert api.post(f"/api/v1/deals/{first['id']}/move", json={"above_id": second["id"]}).status_code == 200
    assert api.post(f"/api/v1/deals/{first['id']}/move", json={"below_id": second["id"]}).status_code == 200
    with in_tenant(app, tenant_a.id):
        order = db.session.scalars(select(Deal.name).order_by(Deal.board_rank)).all()
        changes = db.session.scalar(
            select(db.func.count(StageChange.id)).where(StageChange.deal_id == uuid.UUID(first["id"]))
        )
    assert order == ["First", "Second", "Third"]
    assert changes == 1  # reordering within a stage is not a stage change


def test_deal_limit_answers_402(api_client_for, make_tenant, set_tenant):
    tenant = make_tenant("capped")
    set_tenant(tenant, limit_overrides={"deals": 1, "pipelines": 1})
    api = api_client_for(tenant)
    assert api.post("/api/v1/deals", json={"name": "One"}).status_code == 201
    refused = api.post("/api/v1/deals", json={"name": "Two"})
    assert refused.status_code == 402
    assert refused.json["error"]["details"]["resource"] == "deals"
    over = api.post("/api/v1/pipelines", json={"name": "Second"})
    assert over.status_code == 402
    assert over.json["error"]["details"]["resource"] == "pipelines"


def test_pipelines_and_stages_resource(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    created = api.post(
        "/api/v1/pipelines",
        json={"name": "Retainers", "stages": [{"name": "Pitch", "probability": 30}, {"name": "Signed", "kind": "won"}]},
    )
    assert created.status_code == 201, created.json
    pipeline = created.json
    assert [(s["name"], s["probability"], s["kind"]) for s in pipeline["stages"]] == [
        ("Pitch", 30, "open"),
        ("Signed", 100, "won"),
    ]
    stage = api.post(
        "/api/v1/stages", json={"pipeline_id": pipeline["id"], "name": "Proposal", "probability": 60, "rotting_days": 5}
    )
    assert stage.status_code == 201, stage.json
    listed = api.get(f"/api/v1/stages?pipeline_id={pipeline['id']}").json["items"]
    assert [item["name"] for item in listed] == ["Pitch", "Proposal", "Signed"]  # open stages before closed ones
    order = [listed[1]["id"], listed[0]["id"], listed[2]["id"]]
    reordered = api.post(f"/api/v1/pipelines/{pipeline['id']}/stage-order", json={"stage_ids": order})
    assert [item["id"] for item in reordered.json["stages"]] == order
    deal = api.post("/api/v1/deals", json={"name": "Retained", "stage_id": listed[0]["id"]}).json
    assert deal["pipeline_id"] == pipeline["id"]  # the stage names its pipeline
    held = api.delete(f"/api/v1/stages/{listed[0]['id']}")
    assert held.status_code == 422
    assert "move_to_stage_id" in held.json["error"]["details"]
    assert api.delete(f"/api/v1/stages/{listed[0]['id']}?move_to_stage_id={listed[1]['id']}").status_code == 204
    assert api.get(f"/api/v1/deals/{deal['id']}").json["stage_id"] == listed[1]["id"]
    assert api.delete(f"/api/v1/pipelines/{pipeline['id']}").status_code == 409  # it still has a deal
    patched = api.patch(f"/api/v1/stages/{listed[1]['id']}", json={"probability": 55})
    assert patched.json["probability"] == 55
    assert api.get(f"/api/v1/deals/{deal['id']}").json["probability"] == 55


def test_read_only_key_and_viewer_cannot_write(api_client_for, tenant_a):
    reader = api_client_for(tenant_a, scopes=["deals:read", "pipelines:read"])
    assert reader.get("/api/v1/deals").status_code == 200
    assert reader.get("/api/v1/pipelines").status_code == 200
    assert reader.post("/api/v1/deals", json={"name": "No"}).status_code == 403
    assert reader.post("/api/v1/pipelines", json={"name": "No"}).status_code == 403
    sales = api_client_for(tenant_a, role="sales")
    assert sales.post("/api/v1/deals", json={"name": "Yes"}).status_code == 201
    assert sales.post("/api/v1/pipelines", json={"name": "Managers only"}).status_code == 403


def test_lead_conversion_makes_a_deal(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    lead = api.post(
        "/api/v1/leads",
        json={
            "name": "Mira Lind",
            "email": "mira@brightpath.example",
            "company_name": "BrightPath",
            "estimated_value": "12000",
        },
    ).json
    converted = api.post(f"/api/v1/leads/{lead['id']}/convert", json={"create_deal": True, "deal": {"value": "15000"}})
    assert converted.status_code == 200, converted.json
    deal = api.get(f"/api/v1/deals/{converted.json['deal_id']}").json
    assert deal["name"] == "BrightPath deal"
    assert Decimal(deal["value"]) == Decimal("15000")
    assert deal["company_id"] == converted.json["company_id"]
    assert deal["contacts"] == [{"contact_id": converted.json["contact_id"], "primary": True}]
    plain = api.post("/api/v1/leads", json={"name": "No deal"}).json
    assert api.post(f"/api/v1/leads/{plain['id']}/convert").json["deal_id"] is None


def test_openapi_documents_the_deal_resources(api_client_for, tenant_a):
    paths = api_client_for(tenant_a).get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/deals",
        "/api/v1/deals/{deal_id}/move",
        "/api/v1/deals/{deal_id}/stage-history",
        "/api/v1/pipelines",
        "/api/v1/pipelines/{pipeline_id}/stage-order",
        "/api/v1/stages/{stage_id}",
        "/api/v1/deal-reasons",
    ):
        assert path in paths, path


def test_close_and_reopen_a_deal(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    deal = api.post("/api/v1/deals", json={"name": "Shoot day", "value": "5000"}).json
    stages = {
        stage["name"]: stage["id"] for stage in api.get(f"/api/v1/pipelines/{deal['pipeline_id']}").json["stages"]
    }
    api.post(f"/api/v1/deals/{deal['id']}/move", json={"stage_id": stages["Proposal"]})
    no_reason = api.post(f"/api/v1/deals/{deal['id']}/close", json={"outcome": "lost"})
    assert no_reason.status_code == 422
    assert "close_reason_id" in no_reason.json["error"]["details"]
    assert api.post(f"/api/v1/deals/{deal['id']}/close", json={"outcome": "maybe"}).status_code == 422
    assert "outcome" in api.post(f"/api/v1/deals/{deal['id']}/close", json={}).json["error"]["details"]
    won = api.post(f"/api/v1/deals/{deal['id']}/close", json={"outcome": "won", "close_note": "Signed"})
    assert won.status_code == 200, won.json
    assert (won.json["status"], won.json["stage_id"], won.json["close_note"]) == ("won", stages["Closed won"], "Signed")
    assert api.post(f"/api/v1/deals/{deal['id']}/close", json={"outcome": "lost"}).status_code == 409
    reopened = api.post(f"/api/v1/deals/{deal['id']}/reopen")
    assert (reopened.json["status"], reopened.json["stage_id"]) == ("open", stages["Proposal"])
    assert api.post(f"/api/v1/deals/{deal['id']}/reopen").status_code == 409
    reader = api_client_for(tenant_a, scopes=["deals:read"])
    assert reader.post(f"/api/v1/deals/{deal['id']}/close", json={"outcome": "won"}).status_code == 403
    viewer = api_client_for(tenant_a, role="viewer")
    assert viewer.post(f"/api/v1/deals/{deal['id']}/close", json={"outcome": "won"}).status_code == 403
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/deals/{deal_id}/close", "/api/v1/deals/{deal_id}/reopen"} <= set(paths)
