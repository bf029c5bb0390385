"""Hot pages run the same number of SQL statements for 5 rows as for 60."""

import pytest

from tests.conftest import in_tenant
from tests.crm.factories import make_company, make_tag


def _populate(app, tenant, rows: int):
    """`rows` contacts, each with an email, phone, company, tag and a logged call."""
    from app.auth.models import User
    from app.core.extensions import db
    from app.crm.activities.services import log_activity
    from app.crm.contacts.services import create_contact
    from app.crm.leads.services import create_lead

    tag = make_tag(app, tenant)
    companies = [make_company(app, tenant, name=f"Company {i}") for i in range(3)]
    with in_tenant(app, tenant.id):
        owner = db.session.get(User, (tenant.id, tenant.users["owner"]))
        first = None
        for i in range(rows):
            contact = create_contact(
                {
                    "first_name": f"Person {i:03d}",
                    "emails": [f"p{i}@example.com"],
                    "phones": [f"+1415555{i:04d}"],
                    "company_id": companies[i % 3],
                    "tag_ids": [tag],
                },
                actor=owner,
            )
            first = first or contact.id
            log_activity({"type": "call", "body": f"call {i}", "contact_id": contact.id}, actor=owner)
            create_lead({"name": f"Lead {i}", "email": f"l{i}@example.com", "tag_ids": [tag]}, actor=owner)
    return first, companies[0]


def _count(client, query_counter, path, **kwargs) -> int:
    client.get(path, **kwargs)  # warm caches (plans, templates) before counting
    with query_counter() as counted:
        response = client.get(path, **kwargs)
    assert response.status_code == 200
    return counted.count


@pytest.mark.parametrize(
    "page", ["/contacts", "/contacts?q=person&sort=-created_at", "/companies", "/leads", "contact", "company"]
)
def test_page_query_count_does_not_grow_with_rows(app, make_tenant, client_for, query_counter, page):
    counts = []
    for slug, rows in (("small", 5), ("large", 60)):
        tenant = make_tenant(slug, plan="enterprise", roles=("owner",))
        contact_id, company_id = _populate(app, tenant, rows)
        path = {"contact": f"/contacts/{contact_id}", "company": f"/companies/{company_id}"}.get(page, page)
        counts.append(_count(client_for(tenant), query_counter, path))
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries for 5 rows, {counts[1]} for 60"
    assert counts[1] <= 20
