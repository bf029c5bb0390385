"""REST v1 subscriptions: the kit's resource."""

from app.crm.subscriptions.record import SUBSCRIPTIONS
from app.records.api import record_api_blueprint

blp = record_api_blueprint(SUBSCRIPTIONS)
