"""API lists run a bounded number of SQL statements however many rows they return."""

import pytest

from tests.api.records import create

LISTS = ["contacts", "companies", "leads", "activities", "tags", "fields"]
MAX_STATEMENTS = 16


def _fill(app, tenant, start: int, stop: int):
    """Records of every kind, each linked like real data (company, tags, emails, timeline)."""
    for index in range(start, stop):
        company = create(app, tenant, "company", {"name": f"Company {index}", "domain": f"c{index}.example"})
        tag = create(app, tenant, "tag", {"name": f"Tag {index}"})
        contact = create(
            app,
            tenant,
            "contact",
            {
                "first_name": f"Person {index}",
                "emails": [{"email": f"p{index}@example.com"}, {"email": f"alt{index}@example.com"}],
                "phones": [{"number": "+14155550100"}],
                "company_id": company,
                "tag_ids": [tag],
            },
        )
        create(app, tenant, "lead", {"name": f"Lead {index}", "tag_ids": [tag]})
        create(app, tenant, "activity", {"contact_id": contact})
        create(app, tenant, "field", {"object_type": "lead", "label": f"Field {index}", "field_type": "text"})


def _statements(api, query_counter, path) -> int:
    with query_counter() as counted:
        response = api.get(path)
    assert response.status_code == 200
    return counted.count


@pytest.mark.parametrize("resource", LISTS)
def test_list_statements_do_not_grow_with_rows(app, api_client_for, tenant_a, query_counter, resource):
    api = api_client_for(tenant_a)
    path = f"/api/v1/{resource}?limit=100"
    _fill(app, tenant_a, 0, 2)
    api.get(path)  # the key's first use is recorded once; count the calls after it
    few = _statements(api, query_counter, path)
    _fill(app, tenant_a, 2, 12)
    many = _statements(api, query_counter, path)
    assert len(api.get(path).json["items"]) >= 10
    assert many == few, f"{resource}: {few} statements for a few rows, {many} for many"
    assert many <= MAX_STATEMENTS
