"""Products through the kit's services, and the active catalogue quote lines pick from."""

from sqlalchemy import select

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
