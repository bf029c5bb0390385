"""Kit additions made for quotes, proved on their own: ticked-by-default checkboxes and record types gathered in a menu of the top bar. (Locked records and versions
before an update are proved by tests/crm/quotes.)"""

from app.records import fields as f
from tests.crm.quotes.factories import make_product


def test_a_boolean_field_can_start_ticked_on_new_forms():
    assert f.Boolean("active", "Active", default=True).form_value(None) == "True"
    assert f.Boolean("active", "Active").form_value(None) == "False"


def test_record_types_of_a_group_share_a_menu(app, tenant_a, client_for):
    make_product(app, tenant_a)
    page = client_for(tenant_a).get("/products").get_data(as_text=True)
    menu = page.split('data-testid="nav-menu-sales"', 1)[1].split("</ul>", 1)[0]
    for label in ("Products", "Quotes", "Invoices"):
        assert label in menu


def test_a_batch_of_new_records_inserts_each_index_row_once_with_its_title(app, tenant_a, query_counter):
    """An import's batch writes each `records` row in the insert, titled: an UPDATE per row
    after it cost as much as inserting the contacts themselves."""
    from sqlalchemy import select

    from app.core.extensions import db
    from app.crm.contacts.record import CONTACTS
    from app.records.models import RecordEntry
    from app.records.services import create_records
    from tests.conftest import in_tenant
    from tests.crm.factories import _owner

    rows = [{"first_name": "Ada", "last_name": f"Byron {number}"} for number in range(3)]
    with in_tenant(app, tenant_a.id), query_counter() as counted:
        made = create_records(CONTACTS, rows, actor=_owner(tenant_a))
        made_ids = [record.id for record in made]
    writes = [" ".join(statement.split()).upper() for statement in counted.statements]
    assert not [statement for statement in writes if statement.startswith("UPDATE RECORDS")]
    with in_tenant(app, tenant_a.id):
        titles = db.session.scalars(select(RecordEntry.title).where(RecordEntry.id.in_(made_ids)))
        assert sorted(titles) == ["Ada Byron 0", "Ada Byron 1", "Ada Byron 2"]


def test_a_list_filter_shown_on_the_list_page_needs_a_label():
    """Its description is written for the API's documentation, not for the filter bar."""
    import pytest

    from app.records.record_type import ListFilter

    with pytest.raises(ValueError, match="give it a label"):
        ListFilter("waiting", "'1': nothing sent yet", lambda value, errors: [], choices={"1": "Waiting"})
    assert ListFilter("waiting", "'1': nothing sent yet", lambda value, errors: []).label == ""


def test_a_range_filter_names_its_field_apart_from_its_from_and_to(app, tenant_a, client_for):
    """Not "Valid until from" / "Valid until until"."""
    page = client_for(tenant_a).get("/quotes").get_data(as_text=True)
    labels = page.split('id="list-filter-inputs"', 1)[1]
    for label in ("Valid until: from", "Valid until: to", "Total: from", "Total: to", "Created: from", "Created: to"):
        assert f">{label}</label>" in labels
    assert "until until" not in labels


def test_a_quantity_shows_the_places_it_has_and_no_more():
    from decimal import Decimal

    quantity = f.Quantity("quantity", "Quantity", places=3)
    assert quantity.display(Decimal("1.000")) == "1"
    assert quantity.display(Decimal("2.500")) == "2.5"
    assert quantity.display(Decimal("1000.000")) == "1,000"
    assert quantity.display(None) == ""


def test_a_refused_filter_is_named_by_its_label_not_its_parameter(app, tenant_a, client_for):
    client = client_for(tenant_a)

    def refusal(query: str) -> str:
        page = client.get(f"/gadgets?{query}").get_data(as_text=True)
        return page.split('data-testid="filter-errors"', 1)[1].split("</div>\n", 1)[0]

    price = refusal("min_price=abc")
    assert "<strong>Price: from</strong>: Enter a number" in price
    assert "min_price" not in price
    assert "<strong>Tag</strong>: Not a valid id." in refusal("tag_id=nope")
    assert "<strong>Sort</strong>: Sort by one of" in refusal("sort=colour")


def test_a_record_type_without_routes_of_its_own_needs_no_views_or_api_module(monkeypatch):
    """Declared in RECORD_TYPES() alone, a type gets the kit's pages and REST resource: a
    newcomer no longer copies the three-line views.py and api.py every plain type had."""
    from app import create_app, wiring
    from app.core.hosts import TenantBlueprint
    from app.crm.companies.api import blp as companies_api

    # Companies as if they had no views.py or api.py of their own.
    monkeypatch.setattr("app.crm.companies.views.bp", TenantBlueprint("spare_pages", __name__))
    listed = wiring.API_RESOURCES
    monkeypatch.setattr(wiring, "API_RESOURCES", lambda: [blp for blp in listed() if blp is not companies_api])
    made = create_app("testing", BASE_DOMAIN="atrium.test", SQLALCHEMY_DATABASE_URI="sqlite://")
    endpoints = {rule.endpoint for rule in made.url_map.iter_rules()}
    assert {"companies.index", "companies.show", "companies.new", "companies.delete"} <= endpoints
    assert any(endpoint.startswith("api_companies.") for endpoint in endpoints)
