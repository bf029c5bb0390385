"""REST v1 companies: the kit's resource."""

from app.crm.companies.record import COMPANIES
from app.records.api import record_api_blueprint

blp = record_api_blueprint(COMPANIES)
