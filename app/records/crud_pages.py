"""What the pages a capability adds to every record type (its timeline, its files, its tasks)
share: finding the record their URL names, and linking back to that record's own page."""

from flask import abort, url_for

from app.core.request_cache import per_request
from app.records.registry import find_record_type
from app.records.services import get_record


def access_record_with(capability: str, record_type_name: str, record_id, *, actor):
    """(record type, record) a capability's URL names: 404 for an unknown type, for a type
    without `capability`, and for a record the actor may not see."""
    record_type = find_record_type(record_type_name)
    if record_type is None or not record_type.has(capability):
        abort(404)
    return record_type, get_record(record_type, record_id, actor=actor)


def record_page_url(record_type, record, *, tab: str | None = None) -> str:
    """The record's own page (of a record, or of a `RecordEntry` naming one), opened on `tab`
    when one is given."""
    if tab is not None:
        return url_for(f"{record_type.plural}.show", tab=tab, **{record_type.id_arg: record.id})
    return record_page_pattern(record_type).replace(ID_SLOT, str(record.id))


# Stands for the id in a record page's address built once per request: a list links every
# row (and its company, its contact…) to its page, and building each address through the URL
# map cost a list some 40 url_for calls. The slot is letters only, left as it is by every
# converter, and cannot occur in the rest of the address.
ID_SLOT = "RECORDIDSLOT"


def record_page_pattern(record_type) -> str:
    return per_request(
        f"record_page_pattern:{record_type.name}",
        lambda: url_for(f"{record_type.plural}.show", **{record_type.id_arg: ID_SLOT}),
    )
