"""Deal pages: the kit's list, deal page and forms, plus the board (moves over HTMX),
pipeline settings, the forecast and quotas — each in its own module on the same blueprint."""

from app.crm.deals.record import DEALS
from app.records.views import record_blueprint

bp = record_blueprint(DEALS)

from app.crm.deals.views import board, forecast, pipelines  # noqa: E402,F401 - they add routes to bp
