"""Products through the kit's services, and the active catalogue quote lines pick from."""

from functools import cache

from sqlalchemy import select, update

from app.core.extensions import db
from app.crm.products.models import Product
from app.crm.products.record import PRODUCTS
from app.records.services import record_services

get_product, load_product_for_page, create_product, update_product, delete_product, list_products = record_services(
    PRODUCTS
)

CATALOGUE_LIMIT = 500


def active_products(limit: int = CATALOGUE_LIMIT) -> list[Product]:
    """The products a quote line may pick, by name (one query)."""
    return list(db.session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.name).limit(limit)))


@cache  # one subscriber per model, however often the app is wired
def forget_deleted_product_on(model):
    """A `product.deleted` subscriber for rows of `model` that copy a product's name and price
    (quote, order and invoice lines, subscriptions): they keep their copy and only lose the link,
    so the product's row can go."""

    def forget(event, product) -> None:
        db.session.execute(
            update(model)
            .where(model.product_id == product.id)
            .values(product_id=None)
            .execution_options(synchronize_session="fetch")
        )

    forget.__name__ = f"forget_deleted_product_on_{model.__tablename__}"
    return forget
