"""A list page reads its count and its computed columns in the page's own statement."""

from app.crm.companies.models import Company
from app.crm.companies.record import contact_count
from app.records import listing
from app.records.listing import list_records, page_count, page_values
from app.records.registry import get_record_type
from tests.conftest import in_tenant
from tests.crm.factories import make_company, make_contact


def test_the_count_and_a_computed_column_come_with_the_page(app, tenant_a, query_counter):
    busy, quiet = make_company(app, tenant_a, name="Busy"), make_company(app, tenant_a, name="Quiet")
    for first in ("Ada", "Bea"):
        make_contact(app, tenant_a, first_name=first, company_id=busy)
    companies = get_record_type("company")
    with in_tenant(app, tenant_a.id), query_counter() as counted:
        page = list_records(companies, sort="name", counted=True, values={"contacts": contact_count(Company)})
        assert [company.name for company in page.items] == ["Busy", "Quiet"]
        assert page_count(page) == (2, False)
        assert page_values(page) == {"contacts": {busy: 2, quiet: 0}}
    pages = [s for s in counted.statements if "companies" in s and "set_config" not in s]
    assert len(pages) == 1, pages


def test_a_capped_count_says_so(app, tenant_a, monkeypatch):
    for first in ("Ada", "Bea", "Cy", "Di"):
        make_contact(app, tenant_a, first_name=first)
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    with in_tenant(app, tenant_a.id):
        page = list_records(get_record_type("contact"), counted=True, limit=2)
        assert page_count(page) == (3, True)
        filtered = list_records(get_record_type("contact"), counted=True, filters={"lifecycle_stage": "customer"})
        assert page_count(filtered) == (0, False)


def test_an_empty_page_past_the_end_leaves_the_count_to_count_records(app, tenant_a):
    for first in ("Ada", "Bea"):
        make_contact(app, tenant_a, first_name=first)
    contacts = get_record_type("contact")
    with in_tenant(app, tenant_a.id):
        first = list_records(contacts, counted=True, limit=1, sort="name")
        assert page_count(first) == (2, False)
        # No row carries the count past the end: the page does not make one up.
        beyond = list_records(contacts, counted=True, cursor=first.next_cursor, filters={"lifecycle_stage": "customer"})
        assert beyond.items == []
        assert page_count(beyond) is None
        # A first page with no row counts nothing, and says so.
        empty = list_records(contacts, counted=True, filters={"lifecycle_stage": "customer"})
        assert page_count(empty) == (0, False)


def test_the_companies_page_shows_each_companys_contacts(app, tenant_a, client_for):
    busy = make_company(app, tenant_a, name="Busy")
    make_contact(app, tenant_a, first_name="Ada", company_id=busy)
    html = client_for(tenant_a).get("/companies").get_data(as_text=True)
    assert f'company_id={busy}">1</a>' in html
