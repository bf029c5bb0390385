"""Products: SKUs are unique per workspace (blank ones are not SKUs), the declared example can be
created twice (generic tests do), and an empty currency is the workspace's."""

import pytest

from app.core.errors import ValidationFailed
from tests.crm.factories import make_record
from tests.crm.quotes.factories import make_product


def test_skus_are_unique_per_workspace_and_blank_is_none(app, tenant_a, tenant_b, as_user):
    from app.crm.products.services import create_product

    make_product(app, tenant_a, sku="SEO-1")
    make_product(app, tenant_b, sku="SEO-1")  # another workspace may use the same SKU
    make_record(app, tenant_a, "product")
    make_record(app, tenant_a, "product")  # twice without a SKU
    with as_user(tenant_a) as owner:
        with pytest.raises(ValidationFailed) as refused:
            create_product({"name": "Copy", "sku": "SEO-1", "unit_price": "1"}, actor=owner)
        assert refused.value.details["sku"] == ["SKU SEO-1 is already used by Website audit."]
        product = create_product({"name": "Local", "unit_price": "1"}, actor=owner)
        assert product.sku is None
        assert product.currency == "USD"


def test_a_product_sold_on_orders_invoices_and_subscriptions_can_be_deleted(app, tenant_a, api_client_for, client_for):
    """Quote, order and invoice lines and subscriptions keep their own copy of a product's name
    and price: deleting the product only unlinks them (it answered 500, a foreign key failing,
    as soon as an accepted quote had made an order and a subscription of it)."""
    from sqlalchemy import select

    from app.core.extensions import db
    from app.crm.invoices.models import InvoiceLine
    from app.crm.orders.models import OrderLine
    from app.crm.subscriptions.models import Subscription
    from tests.conftest import in_tenant
    from tests.crm.quotes.factories import accept_quote_now, make_quote

    retainer = make_product(app, tenant_a, name="SEO retainer", unit_price="1800.00", recurring_interval="monthly")
    quote_id = make_quote(app, tenant_a, lines=[{"product_id": str(retainer), "quantity": "1"}])
    accept_quote_now(app, tenant_a, quote_id)
    assert client_for(tenant_a).post(f"/quotes/{quote_id}/invoice").status_code == 302
    assert api_client_for(tenant_a).delete(f"/api/v1/products/{retainer}").status_code == 204
    with in_tenant(app, tenant_a.id):
        for model in (OrderLine, InvoiceLine, Subscription):
            kept = db.session.scalars(select(model)).all()
            assert kept, model.__name__
            assert all(row.product_id is None for row in kept), model.__name__
        assert db.session.scalar(select(OrderLine.description)) == "SEO retainer"


def test_a_draft_keeps_the_product_of_a_line_whose_product_is_no_longer_sold(app, tenant_a, client_for):
    """The edit form offers only active products; a line of a retired one showed "Free text",
    so saving the draft unlinked it, and a retainer line lost its monthly billing (no
    subscription on acceptance). The line's own product stays offered, and selected."""
    from tests.crm.quotes.factories import make_quote

    retainer = make_product(app, tenant_a, name="SEO retainer", unit_price="1800.00", recurring_interval="monthly")
    quote_id = make_quote(app, tenant_a, lines=[{"product_id": str(retainer), "quantity": "1"}])
    client = client_for(tenant_a)
    assert (
        client.post(f"/products/{retainer}/edit", data={"name": "SEO retainer", "unit_price": "1800.00"}).status_code
        == 302
    )
    form = client.get(f"/quotes/{quote_id}/edit").get_data(as_text=True)
    assert f'<option value="{retainer}" selected>SEO retainer (no longer sold)</option>' in form


def test_an_archived_product_is_not_put_on_a_new_line(app, tenant_a, api_client_for):
    """Only active products can be added to quotes (the product's own help says so), yet the API
    took a retired one on a new quote, order or invoice. A line that already had it keeps it."""
    from tests.crm.quotes.factories import make_quote

    retired = make_product(app, tenant_a, name="Old audit", active=False)
    sold = make_product(app, tenant_a, name="Audit")
    api = api_client_for(tenant_a)
    for plural in ("quotes", "orders", "invoices"):
        body = {"title": "Audit", "currency": "USD", "lines": [{"product_id": str(retired), "quantity": "1"}]}
        refused = api.post(f"/api/v1/{plural}", json=body)
        assert refused.status_code == 422, plural
        assert refused.get_json()["error"]["details"]["lines.0.product_id"] == ["Old audit is no longer sold."]
    quote_id = make_quote(app, tenant_a, lines=[{"product_id": str(sold), "quantity": "1"}])
    api.patch(f"/api/v1/products/{sold}", json={"active": False})
    kept = {"lines": [{"product_id": str(sold), "quantity": "2"}]}
    assert api.patch(f"/api/v1/quotes/{quote_id}", json=kept).status_code == 200
    added = {"lines": [{"product_id": str(sold), "quantity": "2"}, {"product_id": str(retired), "quantity": "1"}]}
    assert api.patch(f"/api/v1/quotes/{quote_id}", json=added).status_code == 422


def test_a_quote_accepted_after_its_product_was_retired_still_makes_its_order(
    app, tenant_a, api_client_for, client_for
):
    from sqlalchemy import select

    from app.core.extensions import db
    from app.crm.orders.models import OrderLine
    from tests.conftest import in_tenant
    from tests.crm.quotes.factories import accept_quote_now, make_quote

    product = make_product(app, tenant_a, name="Audit")
    quote_id = make_quote(app, tenant_a, lines=[{"product_id": str(product), "quantity": "1"}])
    api = api_client_for(tenant_a)
    api.patch(f"/api/v1/products/{product}", json={"active": False})
    accept_quote_now(app, tenant_a, quote_id)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(OrderLine.product_id)) == product
    assert "/invoices/" in client_for(tenant_a).post(f"/quotes/{quote_id}/invoice").headers["Location"]
