"""Subscription pages: the kit's pages."""

from app.crm.subscriptions.record import SUBSCRIPTIONS
from app.records.views import record_blueprint

bp = record_blueprint(SUBSCRIPTIONS)
