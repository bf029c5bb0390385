"""The keyset list of leads with search and filters."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.pagination import Page
from app.crm.fields.services import list_field_definitions
from app.crm.leads.models import Lead, LeadSource, LeadStatus
from app.crm.listing import (
    Sort,
    check_filter_keys,
    created_range_conditions,
    custom_field_conditions,
    resolve_sort,
    run_page,
    uuid_filter,
)
from app.crm.search import search_condition
from app.crm.tags.models import lead_tags
from app.crm.validation import (
    Errors,
)

SORTS = {
    "-created_at": Sort(Lead.created_at, True, "Newest first"),
    "created_at": Sort(Lead.created_at, False, "Oldest first"),
    "name": Sort(Lead.name, False, "Name A–Z"),
    "-name": Sort(Lead.name, True, "Name Z–A"),
    "-score": Sort(Lead.score, True, "Highest score"),
    "score": Sort(Lead.score, False, "Lowest score"),
    "-updated_at": Sort(Lead.updated_at, True, "Recently updated"),
}
DEFAULT_SORT = "-created_at"
FILTERS = {
    "status": "one of " + ", ".join(LeadStatus.ALL),
    "source": "one of " + ", ".join(LeadSource.ALL),
    "owner_id": "user id, or 'none' for unassigned",
    "tag_id": "tag id",
    "min_score": "0–100",
    "awaiting_response": "'1': no outbound call, email, SMS or meeting yet",
    "created_after": "YYYY-MM-DD, inclusive",
    "created_before": "YYYY-MM-DD, inclusive",
}


def list_leads(
    *, search: str | None = None, filters: dict | None = None, sort: str | None = None, cursor=None, limit=25
) -> Page:
    filters = dict(filters or {})
    check_filter_keys(filters, FILTERS)
    stmt = select(Lead).options(selectinload(Lead.tags), selectinload(Lead.owner))
    errors = Errors()
    stmt = stmt.where(*_filter_conditions(filters, errors))
    errors.raise_if_any("Check the filters.")
    condition = search_condition(Lead.search_text, search)
    if condition is not None:
        stmt = stmt.where(condition)
    return run_page(stmt, Lead, resolve_sort(SORTS, sort, DEFAULT_SORT), cursor, limit)


def _filter_conditions(filters: dict, errors: Errors) -> list:
    conditions = []
    if filters.get("status"):
        if filters["status"] not in LeadStatus.ALL:
            errors.add("status", "Choose a status.")
        conditions.append(Lead.status == filters["status"])
    if filters.get("source"):
        if filters["source"] not in LeadSource.ALL:
            errors.add("source", "Choose a source.")
        conditions.append(Lead.source == filters["source"])
    owner = filters.get("owner_id")
    if owner == "none":
        conditions.append(Lead.owner_id.is_(None))
    elif owner:
        conditions.append(Lead.owner_id == uuid_filter(owner, "owner_id", errors))
    if filters.get("tag_id"):
        tag_id = uuid_filter(filters["tag_id"], "tag_id", errors)
        tagged = select(lead_tags.c.lead_id).where(
            lead_tags.c.tenant_id == Lead.tenant_id, lead_tags.c.tag_id == tag_id
        )
        conditions.append(Lead.id.in_(tagged))
    if filters.get("min_score"):
        try:
            conditions.append(Lead.score >= int(filters["min_score"]))
        except ValueError:
            errors.add("min_score", "Must be a whole number.")
    if str(filters.get("awaiting_response", "")) in ("1", "true"):
        conditions.append(Lead.first_response_at.is_(None))
        conditions.append(Lead.status.not_in((LeadStatus.CONVERTED, LeadStatus.LOST)))
    conditions.extend(created_range_conditions(Lead, filters, errors))
    if any(key.startswith("cf.") for key in filters):
        definitions = {item.key: item for item in list_field_definitions("lead")}
        conditions.extend(custom_field_conditions(Lead, filters, definitions, errors))
    return conditions
