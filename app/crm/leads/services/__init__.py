"""Lead services: the one interface the HTML views and the REST API share (see SERVICES.md)."""

from app.crm.leads.services.conversion import (
    DEAL_CREATORS,
    ConversionResult,
    conversion_matches,
    convert_lead,
    email_domain,
)
from app.crm.leads.services.engagement import (
    activity_count,
    lead_score_breakdown,
    note_lead_activity,
    refresh_lead_engagement,
)
from app.crm.leads.services.listing import DEFAULT_SORT, FILTERS, SORTS, list_leads
from app.crm.leads.services.records import FIELDS, create_lead, delete_lead, get_lead, update_lead

__all__ = [
    "DEAL_CREATORS",
    "DEFAULT_SORT",
    "FIELDS",
    "FILTERS",
    "SORTS",
    "ConversionResult",
    "activity_count",
    "conversion_matches",
    "convert_lead",
    "create_lead",
    "delete_lead",
    "email_domain",
    "get_lead",
    "lead_score_breakdown",
    "list_leads",
    "note_lead_activity",
    "refresh_lead_engagement",
    "update_lead",
]
