"""REST v1 orders: the kit's resource (invoicing an order is POST /invoices/from-order/{id})."""

from app.crm.orders.record import ORDERS
from app.records.api import record_api_blueprint

blp = record_api_blueprint(ORDERS)
