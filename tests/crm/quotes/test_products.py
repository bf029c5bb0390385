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
