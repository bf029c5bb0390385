"""Look-alike records in two tenants: lists, searches, filters and counts never mix them."""

import pytest

from app.crm.contacts import services as contacts
from app.crm.contacts.record import CONTACTS
from app.crm.leads import services as leads
from app.records.listing import count_records
from tests.crm.factories import make_company, make_contact, make_lead, make_tag


@pytest.fixture
def twins(app, tenant_a, tenant_b):
    """Same names, emails, phones and tags in both tenants."""
    made = {}
    for tenant in (tenant_a, tenant_b):
        tag = make_tag(app, tenant, name="VIP")
        company = make_company(app, tenant, name="Northwind", domain="northwind.example")
        make_contact(
            app,
            tenant,
            first_name="Ada",
            emails=["ada@northwind.example"],
            phones=["+14155552671"],
            company_id=company,
            tag_ids=[tag],
            lifecycle_stage="customer",
        )
        make_lead(app, tenant, name="Ada Lead", email="lead@northwind.example", company_name="Northwind")
        made[tenant.slug] = {"tag": tag, "company": company}
    return made


@pytest.mark.parametrize("query", ["ada", "northwind.example", "2671", "Northwind"])
def test_contact_search_sees_only_own_tenant(app, tenant_a, twins, as_user, query):
    with as_user(tenant_a):
        page = contacts.list_contacts(search=query)
        assert [c.tenant_id for c in page.items] == [tenant_a.id]


def test_filters_and_counts_see_only_own_tenant(app, tenant_a, tenant_b, twins, as_user):
    with as_user(tenant_a):
        assert len(contacts.list_contacts(filters={"tag_id": twins["alpha"]["tag"]}).items) == 1
        # bravo's tag id filters alpha's list to nothing, not to bravo's contact
        assert contacts.list_contacts(filters={"tag_id": twins["bravo"]["tag"]}).items == []
        assert contacts.list_contacts(filters={"company_id": twins["bravo"]["company"]}).items == []
        assert len(contacts.list_contacts(filters={"lifecycle_stage": "customer"}).items) == 1
        assert count_records(CONTACTS)[0] == 1
        assert [lead.tenant_id for lead in leads.list_leads(search="ada").items] == [tenant_a.id]


def test_html_lists_show_only_own_tenant(client_for, tenant_a, twins):
    client = client_for(tenant_a)
    for path in ("/contacts?q=ada", "/companies", "/leads"):
        body = client.get(path).get_data(as_text=True)
        assert body.count('data-testid="record-row"') == 1, path


def test_bulk_action_ignores_foreign_ids(app, client_for, tenant_a, tenant_b, twins, as_user):
    with as_user(tenant_b):
        foreign = contacts.list_contacts().items[0].id
    response = client_for(tenant_a).post("/contacts/bulk", data={"action": "delete", "ids": [str(foreign)]})
    assert response.status_code == 302
    with as_user(tenant_b):
        assert count_records(CONTACTS)[0] == 1


def test_lead_conversion_never_matches_another_tenants_contact(app, tenant_a, tenant_b, as_user):
    make_contact(app, tenant_b, first_name="Twin", emails=["twin@example.org"])
    lead_id = make_lead(app, tenant_a, name="Twin", email="twin@example.org")
    with as_user(tenant_a) as owner:
        result = leads.convert_lead(leads.get_lead(lead_id), actor=owner)
        assert result.contact_created
        assert result.contact.tenant_id == tenant_a.id


def test_a_list_pages_filters_and_bulk_bar_offer_only_own_tenants_users_tags_and_fields(
    app, client_for, tenant_a, tenant_b, twins
):
    from tests.crm.factories import make_field

    make_field(app, tenant_b, label="Foreign field", object_type="contact")
    page = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    # The twins' tag and each role's user have the same names in both tenants: the ids differ.
    assert str(twins["alpha"]["tag"]) in page
    assert str(twins["bravo"]["tag"]) not in page
    for user_id in tenant_b.users.values():
        assert str(user_id) not in page
    assert "Foreign field" not in page
