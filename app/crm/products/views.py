"""Product pages: the kit's pages."""

from app.crm.products.record import PRODUCTS
from app.records.views import record_blueprint

bp = record_blueprint(PRODUCTS)
