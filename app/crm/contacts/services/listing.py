"""Reading contacts: the keyset list with search and filters, and the 360 page's loads."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.lookups import get_or_404
from app.core.pagination import Page
from app.crm.contacts.models import Contact
from app.crm.contacts.models import LifecycleStage as Stage
from app.crm.fields.services import list_field_definitions
from app.crm.leads.models import Lead
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
from app.crm.validation import (
    Errors,
)
from app.extensions import db

SORTS = {
    "name": Sort(Contact.full_name, False, "Name A–Z"),
    "-name": Sort(Contact.full_name, True, "Name Z–A"),
    "-created_at": Sort(Contact.created_at, True, "Newest first"),
    "created_at": Sort(Contact.created_at, False, "Oldest first"),
    "-updated_at": Sort(Contact.updated_at, True, "Recently updated"),
    "updated_at": Sort(Contact.updated_at, False, "Least recently updated"),
}
DEFAULT_SORT = "name"
FILTERS = {
    "owner_id": "user id, or 'none' for unassigned",
    "tag_id": "tag id",
    "lifecycle_stage": "one of " + ", ".join(Stage.ALL),
    "company_id": "company id",
    "created_after": "YYYY-MM-DD, inclusive, in the workspace's time zone",
    "created_before": "YYYY-MM-DD, inclusive, in the workspace's time zone",
}


def list_contacts(
    *, search: str | None = None, filters: dict | None = None, sort: str | None = None, cursor=None, limit=25
) -> Page:
    """A keyset page of contacts; filters are FILTERS keys plus `cf.<key>` custom fields."""
    filters = dict(filters or {})
    check_filter_keys(filters, FILTERS)
    stmt = select(Contact).options(
        selectinload(Contact.emails),
        selectinload(Contact.phones),
        selectinload(Contact.tags),
        selectinload(Contact.owner),
        selectinload(Contact.company),
    )
    errors = Errors()
    stmt = stmt.where(*_filter_conditions(filters, errors))
    errors.raise_if_any("Check the filters.")
    condition = search_condition(Contact.search_text, search)
    if condition is not None:
        stmt = stmt.where(condition)
    return run_page(stmt, Contact, resolve_sort(SORTS, sort, DEFAULT_SORT), cursor, limit)


def _filter_conditions(filters: dict, errors: Errors) -> list:
    from app.crm.tags.models import contact_tags

    conditions = []
    owner = filters.get("owner_id")
    if owner == "none":
        conditions.append(Contact.owner_id.is_(None))
    elif owner:
        conditions.append(Contact.owner_id == uuid_filter(owner, "owner_id", errors))
    if filters.get("company_id"):
        conditions.append(Contact.company_id == uuid_filter(filters["company_id"], "company_id", errors))
    if filters.get("tag_id"):
        tag_id = uuid_filter(filters["tag_id"], "tag_id", errors)
        tagged = select(contact_tags.c.contact_id).where(
            contact_tags.c.tenant_id == Contact.tenant_id, contact_tags.c.tag_id == tag_id
        )
        conditions.append(Contact.id.in_(tagged))
    if filters.get("lifecycle_stage"):
        if filters["lifecycle_stage"] not in Stage.ALL:
            errors.add("lifecycle_stage", "Choose a lifecycle stage.")
        conditions.append(Contact.lifecycle_stage == filters["lifecycle_stage"])
    conditions.extend(created_range_conditions(Contact, filters, errors))
    definitions = {item.key: item for item in list_field_definitions("contact")} if _has_custom(filters) else {}
    conditions.extend(custom_field_conditions(Contact, filters, definitions, errors))
    return conditions


def _has_custom(filters: dict) -> bool:
    return any(key.startswith("cf.") for key in filters)


def source_leads(contact: Contact) -> list[Lead]:
    """The leads this contact was converted from."""
    return list(
        db.session.scalars(select(Lead).where(Lead.converted_contact_id == contact.id).order_by(Lead.created_at))
    )


def load_contact_for_page(contact_id) -> Contact:
    """The contact with everything its page shows, in a fixed number of queries."""
    return get_or_404(
        Contact,
        contact_id,
        options=[
            selectinload(Contact.emails),
            selectinload(Contact.phones),
            selectinload(Contact.tags),
            selectinload(Contact.owner),
            selectinload(Contact.company),
        ],
    )
