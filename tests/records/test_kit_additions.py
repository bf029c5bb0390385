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
