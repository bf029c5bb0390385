"""REST v1 products: the kit's resource."""

from app.crm.products.record import PRODUCTS
from app.records.api import record_api_blueprint

blp = record_api_blueprint(PRODUCTS)
