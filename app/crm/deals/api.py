"""REST v1 deals: the kit's resource, plus moves and stage history; pipelines and stages."""

from app.crm.deals.record import DEALS
from app.records.api import record_api_blueprint

blp = record_api_blueprint(DEALS)
