"""Order pages: the kit's pages (invoicing an order is the invoices' page)."""

from app.crm.orders.record import ORDERS
from app.records.views import record_blueprint

bp = record_blueprint(ORDERS)
