"""Contact services: the one interface the HTML views and the REST API share (see SERVICES.md)."""

from app.crm.contacts.services.bulk import (
    MAX_BULK,
    bulk_add_tag,
    bulk_assign_owner,
    bulk_delete,
    bulk_remove_tag,
)
from app.crm.contacts.services.input import FIELDS, MAX_EMAILS, MAX_PHONES
from app.crm.contacts.services.listing import (
    DEFAULT_SORT,
    FILTERS,
    SORTS,
    list_contacts,
    load_contact_for_page,
    source_leads,
)
from app.crm.contacts.services.records import (
    CHANGE_READERS,
    count_contacts,
    create_contact,
    delete_contact,
    get_contact,
    refresh_search_text,
    update_contact,
)

__all__ = [
    "CHANGE_READERS",
    "DEFAULT_SORT",
    "FIELDS",
    "FILTERS",
    "MAX_BULK",
    "MAX_EMAILS",
    "MAX_PHONES",
    "SORTS",
    "bulk_add_tag",
    "bulk_assign_owner",
    "bulk_delete",
    "bulk_remove_tag",
    "count_contacts",
    "create_contact",
    "delete_contact",
    "get_contact",
    "list_contacts",
    "load_contact_for_page",
    "refresh_search_text",
    "source_leads",
    "update_contact",
]
