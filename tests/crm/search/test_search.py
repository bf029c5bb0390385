"""Global search: grouped across types, only types the user may see, a bounded number of
queries, the API, and the box in the top bar."""

import re

import pytest

from app.records import search
from tests.conftest import USE_POSTGRES
from tests.crm.factories import make_company, make_contact, make_lead


def test_results_are_grouped_by_type_and_stay_in_the_tenant(app, tenant_a, tenant_b, client_for):
    make_contact(app, tenant_a, first_name="Ada", last_name="Northwind")
    make_company(app, tenant_a, name="Northwind Traders")
    make_lead(app, tenant_a, name="Nora Northwind")
    make_contact(app, tenant_b, first_name="Ada", last_name="Northwind Bravo")
    client = client_for(tenant_a)
    body = client.get("/search?q=northwind", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert body.count('data-testid="search-hit"') == 3
    assert "Contacts" in body
    assert "Companies" in body
    assert "Leads" in body
    assert "Bravo" not in body
    assert "Nothing matches" in client.get("/search?q=zzzz", headers={"HX-Request": "true"}).get_data(as_text=True)
    page = client.get("/search?q=northwind").get_data(as_text=True)
    assert "Northwind Traders" in page


def test_the_query_count_does_not_grow_with_matches(app, tenant_a, client_for, query_counter):
    client = client_for(tenant_a)
    make_contact(app, tenant_a, first_name="Match0")
    client.get("/search?q=match", headers={"HX-Request": "true"})
    with query_counter() as few:
        client.get("/search?q=match", headers={"HX-Request": "true"})
    for index in range(1, 12):
        make_contact(app, tenant_a, first_name=f"Match{index}", emails=[{"email": f"m{index}@example.test"}])
    with query_counter() as many:
        body = client.get("/search?q=match", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "All matching contacts" in body  # 5 shown, more exist
    # Fewer at most: once the newest rows hold the best matches, the index gathers none.
    assert many.count <= few.count


def test_search_api_follows_the_keys_scopes(app, tenant_a, api_client_for):
    make_contact(app, tenant_a, first_name="Grace", last_name="Hopper")
    make_lead(app, tenant_a, name="Grace Lead")
    everything = api_client_for(tenant_a).get("/api/v1/search?q=grace").get_json()
    assert {group["record_type"] for group in everything["groups"]} == {"contact", "lead"}
    contacts_only = api_client_for(tenant_a, scopes=["contacts:read"]).get("/api/v1/search?q=grace").get_json()
    assert [group["record_type"] for group in contacts_only["groups"]] == ["contact"]
    assert api_client_for(tenant_a).get("/api/v1/search").status_code == 422


def test_the_top_bar_has_the_search_box(app, tenant_a, client_for):
    body = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    assert 'data-testid="global-search"' in body
    assert "js/search.js" in body


def test_the_top_bar_search_is_a_landmark_of_its_own_name(tenant_a, client_for):
    # A list page has its own search form too: two unnamed search landmarks read out alike.
    body = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    assert re.search(r'<form[^>]*role="search"[^>]*aria-label="Everything"[^>]*data-global-search', body)


@pytest.mark.skipif(not USE_POSTGRES, reason="the index's candidates and the probe exist on PostgreSQL only")
@pytest.mark.parametrize("probe_rows", [2_000, 1])
def test_a_common_term_is_answered_from_the_newest_rows_not_a_scan(
    app, tenant_a, tenant_b, client_for, query_counter, monkeypatch, probe_rows
):
    # CANDIDATE_LIMIT 2: "smith" counts as common, as 10,000 matches would at a million rows.
    # probe_rows 1: the newest rows hold too few matches, so the newest matches of all are read.
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 2)
    monkeypatch.setattr(search, "PROBE_ROWS", probe_rows)
    for first, last in [("Smithers", "Old"), ("Ann", "Smith"), ("Bo", "Smith"), ("Other", "Person"), ("Cy", "Smith")]:
        make_contact(app, tenant_a, first_name=first, last_name=last)
    make_contact(app, tenant_b, first_name="Smith", last_name="Lookalike")
    client = client_for(tenant_a)
    with query_counter() as sent:
        body = client.get("/search?q=smith", headers={"HX-Request": "true"}).get_data(as_text=True)
    titles = re.findall(r'data-testid="search-hit">.*?<span class="fw-medium">([^<]+)</span>', body, re.DOTALL)
    # The record whose text starts with the term first, then the newest; the oldest one too.
    assert titles == ["Smithers Old", "Cy Smith", "Bo Smith", "Ann Smith"]
    assert "Lookalike" not in body
    listed = [statement for statement in sent.statements if statement.startswith("SELECT contacts.tenant_id")]
    assert listed
    assert all(
        "ANY" in statement.upper() and "LIKE" not in statement.split("WHERE")[1].split("ORDER BY")[0]
        for statement in listed
    )


@pytest.mark.skipif(not USE_POSTGRES, reason="the probe and the trigram index's gathering exist on PostgreSQL only")
def test_a_term_that_starts_the_newest_matches_is_answered_from_them_exactly(
    app, tenant_a, tenant_b, client_for, monkeypatch
):
    """Six of the newest rows start with "zo": nothing older can outrank them, so the trigram
    index is not asked to gather every match; an older "Zoey" and a newer "Ann Zorro" (which
    matches but does not start with the term) stay below them."""
    from sqlalchemy import event

    monkeypatch.setattr(search, "PROBE_ROWS", 7)
    make_contact(app, tenant_a, first_name="Zoey", last_name="Oldest")
    for number in range(1, 7):
        make_contact(app, tenant_a, first_name="Zoe", last_name=f"Number{number}")
    make_contact(app, tenant_a, first_name="Ann", last_name="Zorro")
    make_contact(app, tenant_b, first_name="Zoe", last_name="Elsewhere")
    gathered = []
    with app.app_context():
        engine = search._platform_engine()

    def spy(conn, cursor, statement, parameters, context, executemany):
        if "WITH matching" in statement and "FROM contacts" in statement:
            gathered.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        body = client_for(tenant_a).get("/search?q=zo", headers={"HX-Request": "true"}).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    titles = re.findall(r'data-testid="search-hit">.*?<span class="fw-medium">([^<]+)</span>', body, re.DOTALL)
    assert titles[:5] == ["Zoe Number6", "Zoe Number5", "Zoe Number4", "Zoe Number3", "Zoe Number2"]
    assert "All matching contacts" in body
    assert "Elsewhere" not in body
    assert gathered == []
