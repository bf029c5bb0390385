"""A list page reads its computed columns (a company's contacts) in the page's own statement."""

from app.crm.companies.models import Company
from app.crm.companies.record import contact_count
from app.records.listing import list_records, page_values
from app.records.registry import get_record_type
from tests.conftest import in_tenant
from tests.crm.factories import make_company, make_contact


def test_a_computed_column_comes_with_the_page(app, tenant_a, query_counter):
    busy, quiet = make_company(app, tenant_a, name="Busy"), make_company(app, tenant_a, name="Quiet")
    for first in ("Ada", "Bea"):
        make_contact(app, tenant_a, first_name=first, company_id=busy)
    companies = get_record_type("company")
    with in_tenant(app, tenant_a.id), query_counter() as counted:
        page = list_records(companies, sort="name", values={"contacts": contact_count(Company)})
        assert [company.name for company in page.items] == ["Busy", "Quiet"]
        assert page_values(page) == {"contacts": {busy: 2, quiet: 0}}
    pages = [s for s in counted.statements if "companies" in s and "set_config" not in s]
    assert len(pages) == 1, pages


def test_values_follow_the_rows_on_a_page_walked_backwards(app, tenant_a):
    names = ["Alpha", "Bravo", "Charlie"]
    ids = {name: make_company(app, tenant_a, name=name) for name in names}
    make_contact(app, tenant_a, first_name="Ada", company_id=ids["Charlie"])
    companies = get_record_type("company")
    values = {"contacts": contact_count(Company)}
    with in_tenant(app, tenant_a.id):
        first = list_records(companies, sort="name", limit=2, values=values)
        last = list_records(companies, sort="name", limit=2, values=values, cursor=first.next_cursor)
        back = list_records(companies, sort="name", limit=2, values=values, cursor=last.prev_cursor)
        assert [company.name for company in last.items] == ["Charlie"]
        assert page_values(last) == {"contacts": {ids["Charlie"]: 1}}
        assert [company.name for company in back.items] == ["Alpha", "Bravo"]
        assert page_values(back) == {"contacts": {ids["Alpha"]: 0, ids["Bravo"]: 0}}


def test_the_companies_page_shows_each_companys_contacts(app, tenant_a, client_for):
    busy = make_company(app, tenant_a, name="Busy")
    make_contact(app, tenant_a, first_name="Ada", company_id=busy)
    html = client_for(tenant_a).get("/companies").get_data(as_text=True)
    assert f'company_id={busy}">1</a>' in html
