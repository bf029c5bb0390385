"""Segments: definitions compile to SQL over every condition kind, visibility and who may
change one, the builder's pages and live count, the API, and constant-memory iteration."""

from datetime import timedelta

import pytest

from app.auth.models import User
from app.core.extensions import db
from app.core.types import utcnow
from tests.conftest import csrf_token_from, in_tenant
from tests.crm.factories import make_contact, make_tag
from tests.crm.segments.factories import make_segment


def _owner(tenant, role="owner"):
    return db.session.get(User, (tenant.id, tenant.users[role]))


def _names(app, tenant, definition, role="owner"):
    from app.crm.contacts.record import CONTACTS
    from app.records.conditions import compile_definition

    with in_tenant(app, tenant.id):
        from sqlalchemy import select

        where = compile_definition(CONTACTS, definition, actor=_owner(tenant, role))
        return sorted(db.session.scalars(select(CONTACTS.model.full_name).where(where)))


@pytest.fixture
def people(app, tenant_a, tenant_b):
    """Look-alike contacts in both tenants; alpha's are the ones asked about."""
    vip = make_tag(app, tenant_a, name="VIP")
    make_contact(
        app,
        tenant_a,
        first_name="Ada",
        last_name="Customer",
        lifecycle_stage="customer",
        tag_ids=[str(vip)],
        emails=[{"email": "ada@acme.test", "primary": True}],
        address={"city": "London", "country": "GB"},
    )
    make_contact(app, tenant_a, first_name="Bob", last_name="Lead", lifecycle_stage="lead")
    quiet = make_contact(
        app,
        tenant_a,
        first_name="Cy",
        last_name="Quiet",
        lifecycle_stage="customer",
        emails=[{"email": "cy@other.test", "primary": True}],
    )
    make_contact(app, tenant_b, first_name="Ada", last_name="Customer", lifecycle_stage="customer")
    return {"vip": vip, "quiet": quiet}


def test_rules_of_every_kind_are_answered_by_sql(app, tenant_a, people):
    def rule(field, op, value=None):
        return {"match": "all", "rules": [{"field": field, "op": op, "value": value}]}

    assert _names(app, tenant_a, rule("lifecycle_stage", "is", "customer")) == ["Ada Customer", "Cy Quiet"]
    assert _names(app, tenant_a, rule("lifecycle_stage", "not_in", ["customer"])) == ["Bob Lead"]
    assert _names(app, tenant_a, rule("emails", "contains", "@ACME.test")) == ["Ada Customer"]
    assert _names(app, tenant_a, rule("emails", "is_empty")) == ["Bob Lead"]
    assert _names(app, tenant_a, rule("tag_ids", "has", str(people["vip"]))) == ["Ada Customer"]
    assert _names(app, tenant_a, rule("tag_ids", "has_not", str(people["vip"]))) == ["Bob Lead", "Cy Quiet"]
    assert _names(app, tenant_a, rule("address.city", "equals", "london")) == ["Ada Customer"]
    assert _names(app, tenant_a, rule("owner_id", "is", "me")) == ["Ada Customer", "Bob Lead", "Cy Quiet"]
    assert _names(app, tenant_a, rule("owner_id", "is", "me"), role="sales") == []
    assert _names(app, tenant_a, rule("created_at", "within_last_days", 1)) == ["Ada Customer", "Bob Lead", "Cy Quiet"]
    assert _names(app, tenant_a, rule("created_at", "more_than_days_ago", 1)) == []


def test_groups_combine_with_and_and_or(app, tenant_a, people):
    definition = {
        "match": "all",
        "rules": [
            {"field": "lifecycle_stage", "op": "is", "value": "customer"},
            {
                "match": "any",
                "rules": [
                    {"field": "tag_ids", "op": "has", "value": str(people["vip"])},
                    {"field": "last_name", "op": "starts_with", "value": "qu"},
                ],
            },
        ],
    }
    assert _names(app, tenant_a, definition) == ["Ada Customer", "Cy Quiet"]
    definition["rules"][1]["match"] = "all"
    assert _names(app, tenant_a, definition) == []
    assert _names(app, tenant_a, {"match": "any", "rules": []}) == ["Ada Customer", "Bob Lead", "Cy Quiet"]


def test_activity_recency_counts_logged_activities_not_system_events(app, tenant_a, people):
    from app.crm.activities.services import log_activity

    with in_tenant(app, tenant_a.id):
        log_activity(
            {
                "type": "call",
                "contact_id": str(people["quiet"]),
                "occurred_at": (utcnow() - timedelta(days=40)).isoformat(),
            },
            actor=_owner(tenant_a),
        )
    quiet = {"match": "all", "rules": [{"field": "last_activity", "op": "not_within_days", "value": 30}]}
    recent = {"match": "all", "rules": [{"field": "last_activity", "op": "within_days", "value": 60}]}
    # Creating a contact writes a system event on its timeline: it is not an activity here.
    assert _names(app, tenant_a, quiet) == ["Ada Customer", "Bob Lead", "Cy Quiet"]
    assert _names(app, tenant_a, recent) == ["Cy Quiet"]


def test_custom_fields_are_conditions(app, tenant_a):
    from app.crm.fields.services import create_field_definition

    with in_tenant(app, tenant_a.id):
        create_field_definition(
            {"object_type": "contact", "label": "Budget", "key": "budget", "field_type": "number"},
            actor=_owner(tenant_a),
        )
    make_contact(app, tenant_a, first_name="Rich", custom_fields={"budget": 5000})
    make_contact(app, tenant_a, first_name="Poor", custom_fields={"budget": 50})
    definition = {"match": "all", "rules": [{"field": "custom_fields.budget", "op": "gt", "value": "1000"}]}
    assert _names(app, tenant_a, definition) == ["Rich Lovelace"]


@pytest.mark.parametrize(
    ("definition", "key"),
    [
        ({"match": "all", "rules": [{"field": "nope", "op": "is", "value": "x"}]}, "rules.0.field"),
        ({"match": "all", "rules": [{"field": "lifecycle_stage", "op": "gt", "value": "x"}]}, "rules.0.op"),
        ({"match": "all", "rules": [{"field": "lifecycle_stage", "op": "is", "value": "royalty"}]}, "rules.0.value"),
        (
            {"match": "all", "rules": [{"match": "any", "rules": [{"field": "created_at", "op": "on", "value": "x"}]}]},
            "rules.0.rules.0.value",
        ),
        ({"match": "maybe", "rules": []}, "match"),
        ({"match": "all", "rules": [{"field": "owner_id", "op": "is", "value": "x" * 5}]}, "rules.0.value"),
    ],
)
def test_a_bad_definition_names_the_rule(app, tenant_a, definition, key):
    from app.core.errors import ValidationFailed
    from app.crm.segments.services import create_segment

    with in_tenant(app, tenant_a.id), pytest.raises(ValidationFailed) as caught:
        create_segment({"name": "Bad", "definition": definition}, actor=_owner(tenant_a))
    assert f"definition.{key}" in caught.value.details


def test_private_segments_are_their_creators_and_shared_ones_change_by_creator_or_manager(app, tenant_a, client_for):
    private = make_segment(app, tenant_a, name="Mine", visibility="private")
    shared = make_segment(app, tenant_a, name="Ours")
    sales = client_for(tenant_a, "sales")
    assert sales.get(f"/segments/{private}").status_code == 404
    assert sales.get(f"/segments/{shared}").status_code == 200
    listing = sales.get("/segments").get_data(as_text=True)
    assert "Ours" in listing
    assert "Mine" not in listing
    assert sales.get(f"/segments/{shared}/edit").status_code == 403
    assert 'data-testid="edit-segment"' not in sales.get(f"/segments/{shared}").get_data(as_text=True)
    admin = client_for(tenant_a, "admin")
    assert admin.get(f"/segments/{shared}/edit").status_code == 200
    viewer = client_for(tenant_a, "viewer")
    assert viewer.get("/segments/new").status_code == 403


def test_build_save_and_open_a_segment_in_the_browser_forms(app, tenant_a, people, client_for, query_counter):
    client = client_for(tenant_a)
    page = client.get("/segments/new?type=contact")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    definition = '{"match": "all", "rules": [{"field": "lifecycle_stage", "op": "is", "value": "customer"}]}'
    counted = client.post(
        "/segments/count", data={"csrf_token": token, "record_type": "contact", "definition": definition}
    )
    assert 'data-count="2"' in counted.get_data(as_text=True)
    refused = client.post(
        "/segments/new", data={"csrf_token": token, "name": "", "record_type": "contact", "definition": "{]"}
    )
    assert refused.status_code == 422
    saved = client.post(
        "/segments/new",
        data={"csrf_token": token, "name": "Customers", "record_type": "contact", "definition": definition},
    )
    assert saved.status_code == 302
    url = saved.headers["Location"]
    client.get(url)  # warm the per-process caches before counting
    with query_counter() as few:
        shown = client.get(url)
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Ada Customer" in body
    assert "Cy Quiet" in body
    assert "Bob Lead" not in body
    for index in range(12):
        make_contact(app, tenant_a, first_name=f"More{index}", lifecycle_stage="customer", tag_ids=[str(people["vip"])])
    with query_counter() as many:
        assert "More11" in client.get(url).get_data(as_text=True)
    # The same queries for 2 rows or 14: nothing is loaded per row.
    assert many.count == few.count <= 26, many.statements
    searched = client.get(url + "?q=quiet", headers={"HX-Request": "true", "HX-Target": "record-list"})
    assert "Cy Quiet" in searched.get_data(as_text=True)
    assert "Ada Customer" not in searched.get_data(as_text=True)


def test_iterating_a_segment_walks_keyset_batches(app, tenant_a, query_counter):
    from app.crm.segments.services import get_segment, iterate_segment

    for index in range(7):
        make_contact(app, tenant_a, first_name=f"P{index}", lifecycle_stage="customer")
    make_contact(app, tenant_a, first_name="Other", lifecycle_stage="lead")
    segment_id = make_segment(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        segment = get_segment(segment_id)
        with query_counter() as counted:
            batches = [[record.first_name for record in batch] for batch in iterate_segment(segment, batch_size=3)]
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert sorted(name for batch in batches for name in batch) == [f"P{index}" for index in range(7)]
    # One query per batch, plus the creator (for "me") and the custom-field definitions.
    assert counted.count <= len(batches) + 2


def test_segments_api(app, tenant_a, tenant_b, people, api_client_for):
    client = api_client_for(tenant_a)
    conditions = client.get("/api/v1/segments/conditions?record_type=contact").get_json()["items"]
    assert {"lifecycle_stage", "tag_ids", "owner_id", "last_activity", "emails"} <= {c["key"] for c in conditions}
    created = client.post(
        "/api/v1/segments",
        json={
            "name": "Customers",
            "definition": {"match": "all", "rules": [{"field": "lifecycle_stage", "op": "is", "value": "customer"}]},
        },
    )
    assert created.status_code == 201, created.get_json()
    segment_id = created.get_json()["id"]
    records = client.get(f"/api/v1/segments/{segment_id}/records?limit=1").get_json()
    assert records["record_type"] == "contact"
    assert len(records["items"]) == 1
    assert records["next_cursor"]
    second = client.get(f"/api/v1/segments/{segment_id}/records?limit=1&cursor={records['next_cursor']}").get_json()
    assert {records["items"][0]["full_name"], second["items"][0]["full_name"]} == {"Ada Customer", "Cy Quiet"}
    assert client.get(f"/api/v1/segments/{segment_id}/count").get_json() == {"count": 2, "capped": False}
    bad = client.patch(f"/api/v1/segments/{segment_id}", json={"definition": {"match": "all", "rules": [{}]}})
    assert bad.status_code == 422
    assert "definition.rules.0.field" in bad.get_json()["error"]["details"]
    assert api_client_for(tenant_b).get(f"/api/v1/segments/{segment_id}").status_code == 404
    read_only = api_client_for(tenant_a, scopes=["segments:read"])
    assert read_only.get(f"/api/v1/segments/{segment_id}/records").status_code == 403
    assert client.delete(f"/api/v1/segments/{segment_id}").status_code == 204


def _contact_ids(app, tenant) -> dict:
    from sqlalchemy import select

    from app.crm.contacts.models import Contact

    with in_tenant(app, tenant.id):
        return {name: str(contact_id) for name, contact_id in db.session.execute(select(Contact.full_name, Contact.id))}


def test_deals_add_facts_to_contacts(app, tenant_a, tenant_b, people):
    from app.crm.deals.services.pipelines import default_pipeline, list_reasons
    from tests.crm.deals.helpers import add_deals

    ids = _contact_ids(app, tenant_a)
    ada, bob, cy = ids["Ada Customer"], ids["Bob Lead"], ids["Cy Quiet"]
    with in_tenant(app, tenant_a.id):
        default_pipeline()  # made with its stages and reasons on first use
        price = list_reasons("lost")[0].id
    add_deals(
        app,
        tenant_a,
        [
            {"name": "Retainer", "value": "9000", "contacts": [ada], "stage": "Closed won"},
            {"name": "Second site", "value": "3000", "contacts": [ada], "stage": "Closed won"},
            {"name": "Pilot", "value": "500", "contacts": [bob, ada], "stage": "Proposal"},
            {"name": "Lost bid", "value": "20000", "contacts": [cy], "stage": "Closed lost", "close_reason": price},
        ],
    )
    # The other tenant's look-alike Ada has a large deal that must not count in tenant A.
    foreign_ada = _contact_ids(app, tenant_b)["Ada Customer"]
    add_deals(app, tenant_b, [{"name": "Foreign", "value": "99999", "contacts": [foreign_ada], "stage": "Closed won"}])

    def rule(field, op, value=None):
        return {"match": "all", "rules": [{"field": field, "op": op, "value": value}]}

    assert _names(app, tenant_a, rule("deals.has_open", "is_true")) == ["Ada Customer", "Bob Lead"]
    assert _names(app, tenant_a, rule("deals.has_open", "is_false")) == ["Cy Quiet"]
    assert _names(app, tenant_a, rule("deals.won_value", "gt", "10000")) == ["Ada Customer"]
    assert _names(app, tenant_a, rule("deals.won_value", "gt", "12000")) == []
    assert _names(app, tenant_a, rule("deals.won_value", "lt", "1")) == ["Bob Lead", "Cy Quiet"]
    assert _names(app, tenant_a, rule("deals.won_value", "is_empty")) == ["Bob Lead", "Cy Quiet"]
    assert _names(app, tenant_a, rule("deals.open_value", "gte", "500")) == ["Ada Customer", "Bob Lead"]
    assert _names(app, tenant_b, rule("deals.won_value", "gt", "10000")) == ["Ada Customer"]
    combined = {
        "match": "all",
        "rules": [
            {"field": "lifecycle_stage", "op": "is", "value": "customer"},
            {"match": "any", "rules": [rule("deals.has_open", "is_false")["rules"][0]]},
        ],
    }
    assert _names(app, tenant_a, combined) == ["Cy Quiet"]


def test_deal_facts_are_listed_and_checked(app, tenant_a, api_client_for):
    from app.core.errors import ValidationFailed
    from app.crm.segments.services import create_segment

    conditions = api_client_for(tenant_a).get("/api/v1/segments/conditions?record_type=contact").get_json()["items"]
    deal_facts = {item["key"]: item for item in conditions if item["group"] == "Deals"}
    assert set(deal_facts) == {"deals.has_open", "deals.won_value", "deals.open_value"}
    assert deal_facts["deals.won_value"]["kind"] == "number"
    bad = {"match": "all", "rules": [{"field": "deals.won_value", "op": "gt", "value": "lots"}]}
    with in_tenant(app, tenant_a.id), pytest.raises(ValidationFailed) as caught:
        create_segment({"name": "Bad", "definition": bad}, actor=_owner(tenant_a))
    assert "definition.rules.0.value" in caught.value.details


def test_a_segments_rules_read_as_sentences_with_their_values_in_place(app, tenant_a, client_for):
    import re

    segment_id = make_segment(
        app,
        tenant_a,
        {
            "match": "all",
            "rules": [
                {"field": "lifecycle_stage", "op": "is", "value": "customer"},
                {"field": "last_activity", "op": "not_within_days", "value": 30},
            ],
        },
    )
    body = client_for(tenant_a).get(f"/segments/{segment_id}").get_data(as_text=True)
    rules = [
        re.sub(r"<[^>]+>|\s+", " ", rule).strip()
        for rule in re.findall(r'data-testid="segment-rule">(.*?)</span>', body, re.S)
    ]
    rules = [re.sub(r"\s+", " ", rule) for rule in rules]
    assert rules == ["Lifecycle stage is Customer", "Activity not in the last 30 days"]


def test_a_money_rule_reads_as_an_amount_in_the_workspace_currency(app, tenant_a, client_for, set_tenant):
    import html
    import re

    set_tenant(tenant_a, currency="EUR")
    segment_id = make_segment(
        app,
        tenant_a,
        {
            "match": "any",
            "rules": [
                {"field": "deals.won_value", "op": "gte", "value": "25000"},
                {"field": "deals.open_value", "op": "lt", "value": "1500.5"},
            ],
        },
    )
    body = client_for(tenant_a).get(f"/segments/{segment_id}").get_data(as_text=True)
    rules = [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rule))).strip()
        for rule in re.findall(r'data-testid="segment-rule">(.*?)</span>', body, re.S)
    ]
    assert rules == ["Won deal value ≥ €25,000", "Open deal value < €1,500.50"]


def test_a_company_rule_is_picked_and_read_by_the_companys_name(app, tenant_a, client_for):
    """A reference rule offers the records by name in the builder (not a box for an id) and
    reads "Company is Umbrella" on the segment's page, not the company's id."""
    import html
    import json
    import re

    from tests.crm.factories import make_company

    umbrella = make_company(app, tenant_a, name="Umbrella")
    segment_id = make_segment(
        app, tenant_a, {"match": "all", "rules": [{"field": "company_id", "op": "is", "value": str(umbrella)}]}
    )
    client = client_for(tenant_a)
    body = client.get(f"/segments/{segment_id}").get_data(as_text=True)
    rules = [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rule))).strip()
        for rule in re.findall(r'data-testid="segment-rule">(.*?)</span>', body, re.S)
    ]
    assert rules == ["Company is Umbrella"]
    builder = client.get(f"/segments/{segment_id}/edit").get_data(as_text=True)
    conditions = json.loads(html.unescape(re.search(r'id="segment-conditions">(.*?)</script>', builder, re.S).group(1)))
    company = next(item for item in conditions if item["key"] == "company_id")
    assert company["choices"] == {str(umbrella): "Umbrella"}
    assert company["options_url"] == "/companies/options"


def test_a_definition_that_is_not_a_group_is_named_once_in_the_error(app, tenant_a, api_client_for):
    response = api_client_for(tenant_a).post("/api/v1/segments", json={"name": "Odd", "definition": "everyone"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"definition": ["Send a group: {match, rules}."]}


def test_the_segments_api_lists_a_page_at_a_time_like_every_list(app, tenant_a, api_client_for):
    client = api_client_for(tenant_a)
    everyone = {"match": "all", "rules": [{"field": "lifecycle_stage", "op": "is", "value": "customer"}]}
    for name in ("Bravo", "Alpha", "Charlie"):
        body = {"name": name, "definition": everyone}
        assert client.post("/api/v1/segments", json=body).status_code == 201
    first = client.get("/api/v1/segments?limit=2")
    assert first.status_code == 200, first.get_json()
    assert [item["name"] for item in first.get_json()["items"]] == ["Alpha", "Bravo"]
    cursor = first.get_json()["next_cursor"]
    second = client.get(f"/api/v1/segments?limit=2&cursor={cursor}").get_json()
    assert [item["name"] for item in second["items"]] == ["Charlie"]
    assert second["next_cursor"] is None
    assert second["prev_cursor"]
    assert client.get("/api/v1/segments?record_type=company").get_json()["items"] == []
    for bad in ("limit=0", "limit=1000", "cursor=not-a-cursor"):
        assert client.get(f"/api/v1/segments?{bad}").status_code == 422, bad
    documented = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/segments"]["get"]
    assert {"cursor", "limit", "record_type"} <= {parameter["name"] for parameter in documented["parameters"]}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
@pytest.mark.parametrize("op", ["on", "before", "after"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_date_at_the_end_of_the_calendar_is_refused_or_counted_not_a_500(
    app, tenant_a, client_for, set_tenant, zone, op, day
):
    """'Created on 9999-12-31' made the live count a 500: the day after it is past the end of
    the calendar. Such a rule is refused beside it, as any date the count cannot read is."""
    import json

    from tests.conftest import csrf_token_from

    set_tenant(tenant_a, timezone=zone)
    client = client_for(tenant_a)
    token = csrf_token_from(client.get("/segments/new").get_data(as_text=True))
    definition = {"match": "all", "rules": [{"field": "created_at", "op": op, "value": day}]}
    response = client.post(
        "/segments/count",
        data={"csrf_token": token, "record_type": "contact", "definition": json.dumps(definition)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    if day == "9999-12-31":
        assert "Use a date from 0001-01-02 to 9999-12-30." in response.get_data(as_text=True)
