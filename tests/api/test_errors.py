"""Every refusal under /api/v1 is `{"error": {"code", "message", "details"}}` with the right status."""

import uuid

import pytest

from app.api.errors import Unauthorized
from app.core.errors import RateLimited

TAGS = "/api/v1/tags"


def _error(response):
    body = response.json
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_missing_record_is_404_json(api_client_for, tenant_a):
    response = api_client_for(tenant_a).get(f"{TAGS}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_unknown_path_and_malformed_id_are_404_json(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    for path in ("/api/v1/nothing-here", f"{TAGS}/not-a-uuid"):
        response = api.get(path)
        assert response.status_code == 404
        assert _error(response)["code"] == "not_found"


def test_wrong_method_is_405_with_allow(api_client_for, tenant_a):
    response = api_client_for(tenant_a).put(TAGS, json={})
    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


def test_schema_errors_are_422_per_field(api_client_for, tenant_a):
    response = api_client_for(tenant_a).post(TAGS, json={"name": 12, "color": ["red"]})
    assert response.status_code == 422
    details = _error(response)["details"]
    assert set(details) == {"name", "color"}
    assert all(isinstance(messages, list) and messages for messages in details.values())


def test_service_errors_are_422_per_field(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    assert api.post(TAGS, json={"name": "VIP"}).status_code == 201
    response = api.post(TAGS, json={"name": "vip", "color": "red"})
    assert response.status_code == 422
    details = _error(response)["details"]
    assert "already exists" in details["name"][0]
    assert details["color"]


def test_a_refused_record_is_summed_up_in_the_apis_words(api_client_for, tenant_a):
    """The record kit's validator summarises a refusal for a form page ("Please correct the
    highlighted fields."); an API client has nothing highlighted, and a schema's refusal
    already read "The request has invalid fields."."""
    api = api_client_for(tenant_a)
    by_service = _error(api.post("/api/v1/contacts", json={"first_name": "Ada", "emails": ["not-an-email"]}))
    by_schema = _error(api.post("/api/v1/contacts", json={"first_name": 12}))
    assert by_service["message"] == by_schema["message"] == "The request has invalid fields."
    assert "emails" in by_service["details"]


def test_invalid_json_is_400_json(api_client_for, tenant_a):
    response = api_client_for(tenant_a).post(TAGS, data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert _error(response)["code"] == "bad_request"


def test_unknown_list_parameter_is_422(api_client_for, tenant_a):
    response = api_client_for(tenant_a).get(f"{TAGS}?colour=red")
    assert response.status_code == 422
    assert "colour" in _error(response)["details"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/segments",
        "/api/v1/segments/conditions",
        "/api/v1/meetings/calendar",
        # Reads that take no query string at all: `?limit=` there was ignored as silently.
        "/api/v1/webhooks",
        "/api/v1/workflows",
        "/api/v1/forms",
        "/api/v1/booking-types",
        "/api/v1/deal-reasons",
        "/api/v1/record-types",
        "/api/v1/notifications/preferences",
    ],
)
def test_unknown_query_parameter_of_any_read_is_422(api_client_for, tenant_a, path):
    response = api_client_for(tenant_a).get(f"{path}?recordtype=deal")  # a typo must not be ignored unseen
    assert response.status_code == 422
    assert "recordtype" in _error(response)["details"]


def test_a_read_without_a_query_string_still_answers_and_exports_keep_theirs(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    assert api.get("/api/v1/webhooks").status_code == 200
    assert api.get("/api/v1/exports/contact?format=csv&q=ada").status_code == 200


def test_bad_cursor_is_422(api_client_for, tenant_a):
    response = api_client_for(tenant_a).get(f"{TAGS}?cursor=garbage")
    assert response.status_code == 422
    assert "cursor" in _error(response)["details"]


def test_refused_write_leaves_nothing_behind(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    api.post(TAGS, json={"name": "Kept"})
    api.post(TAGS, json={"name": "kept"})  # refused: duplicate
    names = [tag["name"] for tag in api.get(TAGS).json["items"]]
    assert names == ["Kept"]


def test_nul_characters_are_422_not_a_database_error(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    response = api.post("/api/v1/companies", json={"name": "Bad\u0000Name", "address": {"city": "x\u0000"}})
    assert response.status_code == 422
    assert set(_error(response)["details"]) == {"name", "address"}
    assert api.get("/api/v1/contacts", query_string={"q": "a\u0000"}).status_code == 422


def test_same_non_ascii_tag_name_twice_is_422(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    assert api.post(TAGS, json={"name": "Ê"}).status_code == 201
    assert api.post(TAGS, json={"name": "Ê"}).status_code == 422


def test_api_refusals_answer_with_the_code_of_their_status():
    assert (Unauthorized.status_code, Unauthorized("No key.").code) == (401, "unauthorized")
    assert (RateLimited.status_code, RateLimited("Slow down.").code) == (429, "rate_limited")
