"""A record type declared only in the tests (tests/records/example.py) gets, from its declaration
alone: list, form and detail pages, the REST resource and its OpenAPI schema, the timeline,
tags, custom fields, attachments, the field catalogue and the generated cross-tenant test."""

import io
import re

from sqlalchemy import select

from app.core.extensions import db
from app.crm.activities.models import activity_links
from app.crm.attachments.models import Attachment
from app.crm.attachments.services import file_path
from app.records.models import RecordEntry
from tests.conftest import in_tenant
from tests.crm.conftest import timeline
from tests.crm.factories import make_field, make_record, make_tag
from tests.records.example import Gadget


def _gadget(app, tenant):
    with in_tenant(app, tenant.id):
        gadget = db.session.scalar(select(Gadget))
        if gadget is not None:
            db.session.expunge(gadget)
        return gadget


def test_list_form_detail_and_delete_pages(app, client_for, tenant_a):
    client = client_for(tenant_a)
    assert 'data-testid="new-record"' in client.get("/gadgets").get_data(as_text=True)
    response = client.post("/gadgets/new", data={"name": "Flux capacitor", "color": "blue", "price": "88.5"})
    assert response.status_code == 302
    gadget = _gadget(app, tenant_a)
    assert (gadget.name, gadget.color, str(gadget.price)) == ("Flux capacitor", "blue", "88.50")
    listing = client.get("/gadgets?color=blue").get_data(as_text=True)
    assert listing.count('data-testid="record-row"') == 1
    assert "Flux capacitor" in listing
    detail = client.get(f"/gadgets/{gadget.id}").get_data(as_text=True)
    assert 'data-testid="record-title">Flux capacitor<' in detail
    assert "88.50" in detail
    invalid = client.post(f"/gadgets/{gadget.id}/edit", data={"name": "Flux", "price": "-3"})
    assert invalid.status_code == 422
    assert "Enter a number from 0 to" in invalid.get_data(as_text=True)
    assert client.post(f"/gadgets/{gadget.id}/delete").status_code == 302
    assert _gadget(app, tenant_a) is None


def test_a_price_with_more_decimals_than_its_field_is_refused_not_rounded(app, client_for, api_client_for, tenant_a):
    form = client_for(tenant_a).post("/gadgets/new", data={"name": "Flux", "color": "blue", "price": "1.005"})
    assert form.status_code == 422
    assert "Enter at most 2 decimal places." in form.get_data(as_text=True)
    api = api_client_for(tenant_a)
    refused = api.post("/api/v1/gadgets", json={"name": "Flux", "color": "blue", "price": "1.005"})
    assert refused.status_code == 422
    assert refused.json["error"]["details"]["price"] == ["Enter at most 2 decimal places."]
    assert _gadget(app, tenant_a) is None
    kept = api.post("/api/v1/gadgets", json={"name": "Flux", "color": "blue", "price": "1.500"})
    assert kept.status_code == 201  # trailing zeros are not more decimals
    assert kept.json["price"] == "1.50"


def test_search_as_you_type_returns_only_the_list(client_for, tenant_a, app):
    make_record(app, tenant_a, "gadget", name="Hoverboard")
    make_record(app, tenant_a, "gadget", name="Jetpack")
    response = client_for(tenant_a).get("/gadgets?q=hover", headers={"HX-Request": "true", "HX-Target": "record-list"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="record-list"')
    assert "Hoverboard" in body
    assert "Jetpack" not in body


def test_rest_resource_with_filters_and_its_openapi_schema(api_client_for, tenant_a, app):
    api = api_client_for(tenant_a)
    tag = make_tag(app, tenant_a)
    make_field(app, tenant_a, object_type="gadget", key="serial", label="Serial", field_type="text")
    created = api.post(
        "/api/v1/gadgets",
        json={
            "name": "Delorean",
            "color": "green",
            "price": 1985,
            "tag_ids": [str(tag)],
            "custom_fields": {"serial": "OUTATIME"},
        },
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["color"], body["price"], body["custom_fields"]) == ("green", "1985.00", {"serial": "OUTATIME"})
    assert [item["id"] for item in body["tags"]] == [str(tag)]
    assert body["owner_id"] == str(tenant_a.users["owner"])
    listed = api.get("/api/v1/gadgets", query_string={"min_price": "1000", "tag_id": str(tag), "cf.serial": "outa"})
    assert [item["id"] for item in listed.json["items"]] == [body["id"]]
    assert api.get("/api/v1/gadgets", query_string={"color": "red"}).json["items"] == []
    changed = api.patch(f"/api/v1/gadgets/{body['id']}", json={"price": None, "launched_on": "1985-10-26"})
    assert changed.status_code == 200
    assert (changed.json["price"], changed.json["launched_on"]) == (None, "1985-10-26")
    refused = api.post("/api/v1/gadgets", json={"name": "", "color": "purple", "website": "ftp://x"})
    assert refused.status_code == 422
    assert set(refused.json["error"]["details"]) == {"name", "color", "website"}
    document = api.get("/api/v1/openapi.json").json
    assert {"get", "post"} <= set(document["paths"]["/api/v1/gadgets"])
    assert {"get", "patch", "delete"} <= set(document["paths"]["/api/v1/gadgets/{gadget_id}"])
    properties = document["components"]["schemas"]["Gadget"]["properties"]
    assert {"name", "color", "price", "launched_on", "website", "owner_id", "tags", "custom_fields"} <= set(properties)
    assert properties["color"]["enum"] == ["red", "green", "blue"]
    assert properties["custom_fields"]["properties"]["serial"]["type"] == "string"
    assert api.delete(f"/api/v1/gadgets/{body['id']}").status_code == 204


def test_timeline_notes_and_tags_attach_without_code_of_its_own(client_for, tenant_a, app):
    gadget_id = make_record(app, tenant_a, "gadget")
    tag = make_tag(app, tenant_a)
    client = client_for(tenant_a)
    assert client.post(f"/gadgets/{gadget_id}/edit", data={"name": "Flux", "tag_ids": [str(tag)]}).status_code == 302
    logged = client.post(f"/timeline/gadget/{gadget_id}/activities", data={"type": "note", "body": "Needs plutonium"})
    assert logged.status_code == 302
    with in_tenant(app, tenant_a.id):
        entries = timeline(gadget_id)
        assert [entry.body for entry in entries if entry.type == "note"] == ["Needs plutonium"]
        update = next(entry for entry in entries if entry.details.get("action") == "gadget.updated")
        assert update.changes["tags"] == {"old": [], "new": [update.changes["tags"]["new"][0]]}
        assert update.changes["tags"]["new"][0].startswith("VIP")
    page = client.get(f"/gadgets/{gadget_id}?tab=notes").get_data(as_text=True)
    assert "Needs plutonium" in page


def test_attachments_are_stored_served_and_deleted_with_the_record(client_for, tenant_a, app):
    gadget_id = make_record(app, tenant_a, "gadget")
    client = client_for(tenant_a)
    response = client.post(
        f"/files/gadget/{gadget_id}",
        data={"file": (io.BytesIO(b"%PDF-1.7 specification"), "spec.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        attachment = db.session.scalar(select(Attachment))
        path, content_type, attachment_id = file_path(attachment), attachment.content_type, attachment.id
    assert content_type == "application/pdf"  # sniffed, not taken from the name
    assert path.read_bytes() == b"%PDF-1.7 specification"
    served = client.get(f"/files/{attachment_id}?download=1")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert 'data-testid="file-row"' in client.get(f"/gadgets/{gadget_id}?tab=files").get_data(as_text=True)
    assert client.post(f"/gadgets/{gadget_id}/delete").status_code == 302
    assert not path.exists()
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Attachment)) is None
        assert db.session.scalar(select(RecordEntry).where(RecordEntry.id == gadget_id)) is None
        links = db.session.execute(select(activity_links).where(activity_links.c.record_id == gadget_id)).all()
        assert links == []


def test_field_catalogue_describes_the_type(api_client_for, tenant_a, app):
    make_field(app, tenant_a, object_type="gadget", key="warranty", label="Warranty", field_type="date")
    items = api_client_for(tenant_a).get("/api/v1/record-types").json["items"]
    gadget = next(item for item in items if item["name"] == "gadget")
    by_name = {entry["name"]: entry for entry in gadget["fields"]}
    assert by_name["color"]["choices"] == {"red": "Red", "green": "Green", "blue": "Blue"}
    assert by_name["price"]["type"] == "number"
    assert by_name["custom_fields.warranty"]["type"] == "date"
    assert {"owner_id", "tag_ids", "created_at"} <= set(by_name)
    assert set(gadget["capabilities"]) == {"owner", "tags", "custom_fields", "timeline", "notes", "attachments"}
    assert "min_price" in gadget["filters"]


def test_generated_cross_tenant_test_covers_its_routes():
    from app import create_app
    from tests.test_isolation import _collect

    probe = create_app("testing", BASE_DOMAIN="atrium.test", SQLALCHEMY_DATABASE_URI="sqlite://")
    ids = {case.id for case in _collect(probe)}
    for expected in (
        "GET /gadgets/<uuid:gadget_id>",
        "POST /gadgets/<uuid:gadget_id>/edit",
        "POST /gadgets/<uuid:gadget_id>/delete",
        "GET /gadgets/<uuid:gadget_id>/tabs/<key>",
        "GET /api/v1/gadgets/<uuid:gadget_id>",
        "PATCH /api/v1/gadgets/<uuid:gadget_id>",
        "DELETE /api/v1/gadgets/<uuid:gadget_id>",
    ):
        assert expected in ids, expected


def test_navigation_lists_the_type(client_for, tenant_a):
    page = client_for(tenant_a).get("/").get_data(as_text=True)
    assert re.search(r'href="/gadgets"', page)


def _title_header(page: str) -> str:
    head = page.split('data-testid="records-table"', 1)[1].split("</thead>", 1)[0]
    return re.findall(r"<th(?: aria-sort=\"\w+\")?>(.*?)</th>", head, re.S)[0]


def test_the_title_column_sorts_the_list_by_its_title(client_for, tenant_a, app):
    make_record(app, tenant_a, "gadget")
    make_record(app, tenant_a, "contact")
    make_record(app, tenant_a, "lead")
    client = client_for(tenant_a)
    # Sorted by name already: the header turns it round, and says which way it is sorted.
    gadgets = _title_header(client.get("/gadgets").get_data(as_text=True))
    assert 'href="/gadgets?sort=-name"' in gadgets
    assert "bi-caret-up-fill" in _title_header(client.get("/gadgets?sort=name").get_data(as_text=True))
    assert "bi-caret-down-fill" in _title_header(client.get("/gadgets?sort=-name").get_data(as_text=True))
    # A title made of several fields (a person's name) sorts by the sort the type names for it.
    assert 'href="/contacts?sort=-name"' in _title_header(client.get("/contacts").get_data(as_text=True))
    assert 'href="/leads?sort=name"' in _title_header(client.get("/leads").get_data(as_text=True))


def test_money_of_a_type_without_a_currency_column_reads_in_the_workspace_currency(app, client_for, tenant_a):
    """A newcomer's Money field on a model with no `currency` column showed a bare "12.50"."""
    from app.tenants.models import Tenant

    with in_tenant(app, tenant_a.id):
        db.session.get(Tenant, tenant_a.id).currency = "EUR"
        db.session.commit()
    client = client_for(tenant_a)
    assert client.post("/gadgets/new", data={"name": "Flux", "color": "blue", "cost": "12.5"}).status_code == 302
    gadget = _gadget(app, tenant_a)
    assert "€12.50" in client.get(f"/gadgets/{gadget.id}").get_data(as_text=True)
