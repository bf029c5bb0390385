"""Merging records of one type into a survivor.

Everything that points at a merged record moves to the survivor, found through a registry
that every record type joins without code of its own:
- every table with a foreign key to the shared `records` index (timeline activities and
  their links, tag links, attachments, import rows…), found in the schema itself;
- every table with a foreign key to the merged type's own table (a deal's contacts, a
  meeting's attendees, messages, conversations, consent history…), found the same way —
  except the type's own parts (a contact's emails and phones), which the merge unites;
- every reference field of every record type that points at this type (a contact's
  company, a lead's converted contact);
- steps a package registers for links the schema cannot show (`register_merge_step`): a
  web-form submission's record, an attendee's "contact:<id>" key.
Where the survivor already has the same link (a tag on both, both on one deal), a unique key
of the link table says so and the merged record's copy is dropped instead of colliding;
nothing else is deleted. Values are picked per field; list fields (a contact's emails and
phones) keep the union.
A `<type>.merged` event puts the merge on the survivor's timeline and in the audit log.
"""

from collections.abc import Callable

from sqlalchemy import Index, UniqueConstraint, delete, exists, update
from sqlalchemy import inspect as inspect_model

from app.auth.permissions import check_permission
from app.core.context import require_tenant_id
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.models import Base
from app.crm.duplicates.services import forget_pairs
from app.crm.imports.services import input_snapshot
from app.plans.services import check_writable
from app.records.registry import record_types
from app.records.services import delete_records, emit_record_event, load_records, update_record

MAX_MERGED = 10
# step(record_type, survivor_id, merged_ids): links of other shapes moved by their package.
_MERGE_STEPS: list[Callable] = []


def register_merge_step(step: Callable) -> None:
    if step not in _MERGE_STEPS:
        _MERGE_STEPS.append(step)


def record_link_columns() -> list[tuple[object, object, list[list]]]:
    """(table, column, unique keys) of every link to the `records` index, except the record
    types' own rows (their `id` is their link)."""
    return _links_to("records")


def type_link_columns(record_type) -> list[tuple[object, object, list[list]]]:
    """(table, column, unique keys) of every tenant foreign key to the type's own table,
    except the rows that are parts of the record itself (a contact's emails and phones: the
    merge unites them as values) and the record types' own `id`."""
    table = record_type.model.__table__
    own_parts = {
        relation.mapper.local_table.name
        for relation in inspect_model(record_type.model).relationships
        if relation.cascade.delete_orphan and relation.mapper.local_table is not table
    }
    return [link for link in _links_to(table.name) if link[0].name not in own_parts]


def _links_to(referred: str) -> list[tuple[object, object, list[list]]]:
    """Each link column to `referred` with the unique keys it is part of, as their other
    columns: a row whose twin on the survivor shares those would collide once moved."""
    links = []
    for table in Base.metadata.sorted_tables:
        for constraint in table.foreign_key_constraints:
            if constraint.referred_table.name != referred:
                continue
            local = [column for column in constraint.columns if column.name != "tenant_id"]
            if len(local) != 1 or local[0].name == "id" or "tenant_id" not in constraint.columns:
                continue
            links.append((table, local[0], _unique_keys(table, local[0])))
    return links


def _unique_keys(table, column) -> list[list]:
    keys = [list(table.primary_key.columns)]
    keys += [list(item.columns) for item in table.constraints if isinstance(item, UniqueConstraint)]
    keys += [list(item.columns) for item in table.indexes if isinstance(item, Index) and item.unique]
    return [
        [other for other in key if other.name not in ("tenant_id", column.name)]
        for key in keys
        if any(other.name == column.name for other in key)
    ]


def merge_choices(record_type) -> list:
    """The fields a merge picks a value for: writable, and not lists (lists are united)."""
    return [field for field in record_type.writable_fields if not getattr(field, "item_keys", ())]


def merge_lists(record_type) -> list:
    """The list fields a merge unites instead of picking one record's (a contact's emails and phones)."""
    return [field for field in record_type.writable_fields if getattr(field, "item_keys", ())]


def united_items(field, records) -> list[dict]:
    """The items of list `field` that the first of `records` keeps once the others are merged
    into it: each item once, the first record's primary still the only primary, at most
    `field.max_items`."""
    united = []
    for record in records:
        united = field.united(united, field.value(record))
    return united[: field.max_items]


def merge_list_preview(record_type, records) -> list[tuple[object, int, int]]:
    """(field, items kept, items of all records) of each united list, for the merge page."""
    preview = []
    for field in merge_lists(record_type):
        everything = {item[field.item_keys[0]] for record in records for item in field.value(record)}
        preview.append((field, len(united_items(field, records)), len(everything)))
    return preview


def merge_records(record_type, survivor_id, merged_ids, *, values: dict | None = None, actor):
    """Merge `merged_ids` into `survivor_id`. `values` maps a field name to the id of the
    record whose value the survivor keeps (the survivor's own by default)."""
    check_permission(actor, record_type.permission("edit"))
    check_permission(actor, record_type.permission("delete"))
    check_writable()
    ids = [survivor_id, *[item for item in merged_ids or [] if str(item) != str(survivor_id)]]
    records = {record.id: record for record in load_records(record_type, ids[: MAX_MERGED + 1])}
    survivor = next((record for record in records.values() if str(record.id) == str(survivor_id)), None)
    merged = [record for record in records.values() if record is not survivor]
    if survivor is None or not merged:
        raise ValidationFailed(
            "Choose the record to keep and at least one other.", details={"ids": ["Choose two or more records."]}
        )
    data = _picked_values(record_type, survivor, merged, values or {})
    tenant_id = require_tenant_id()
    merged_ids = [record.id for record in merged]
    titles = [record_type.title_of(record) for record in merged]
    for table, column, unique_keys in [*record_link_columns(), *type_link_columns(record_type)]:
        _move_links(table, column, unique_keys, tenant_id, survivor.id, merged_ids)
    for other in record_types():
        for field in other.fields:
            if getattr(field, "to", None) == record_type.name:
                db.session.execute(
                    update(other.model)
                    .where(getattr(other.model, field.attribute).in_(merged_ids))
                    .values({field.attribute: survivor.id})
                    .execution_options(synchronize_session=False)
                )
    for step in _MERGE_STEPS:
        step(record_type, survivor.id, merged_ids)
    forget_pairs(record_type.name, [survivor.id, *merged_ids])
    db.session.expire_all()
    merged = load_records(record_type, merged_ids)
    delete_records(record_type, merged, actor=actor)
    survivor = load_records(record_type, [survivor.id])[0]
    if data:
        update_record(record_type, survivor, data, actor=actor)
    emit_record_event(
        record_type,
        survivor,
        "merged",
        actor=actor,
        summary=f"Merged {', '.join(titles)} into this {record_type.label.lower()}",
        data={"merged": [str(item) for item in merged_ids], "titles": titles},
    )
    return survivor


def _picked_values(record_type, survivor, merged, values: dict) -> dict:
    """The survivor's new input: picked fields from their chosen record, lists united."""
    by_id = {str(record.id): record for record in [survivor, *merged]}
    data = {}
    for field in merge_choices(record_type):
        source = by_id.get(str(values.get(field.name) or survivor.id))
        if source is None:
            raise ValidationFailed("Pick values from the merged records.", details={field.name: ["Not one of them."]})
        if source is not survivor:
            data.update(input_snapshot(record_type, source, {field.name: None}))
    for field in merge_lists(record_type):
        united = united_items(field, [survivor, *merged])
        if len(united) > len(field.value(survivor)):
            data[field.name] = united
    if record_type.has("tags"):
        tag_ids = {str(tag.id) for record in [survivor, *merged] for tag in record.tags}
        if tag_ids != {str(tag.id) for tag in survivor.tags}:
            data["tag_ids"] = sorted(tag_ids)
    if record_type.has("custom_fields"):
        united = {}
        for record in [*reversed(merged), survivor]:
            united.update(
                {key: value for key, value in (record.custom_fields or {}).items() if value not in (None, "", [])}
            )
        if united != (survivor.custom_fields or {}):
            data["custom_fields"] = united
    return data


def _move_links(table, column, unique_keys, tenant_id, survivor_id, merged_ids) -> None:
    """Point a link table's rows at the survivor, one merged record after the other; where
    the survivor already has the same link (a tag on both, both on one deal), the merged
    record's copy is dropped instead of colliding."""
    twin = table.alias("twin")
    for merged_id in merged_ids:
        for others in unique_keys:
            same = [twin.c[other.name] == table.c[other.name] for other in others]
            db.session.execute(
                delete(table).where(
                    table.c.tenant_id == tenant_id,
                    column == merged_id,
                    exists().where(twin.c.tenant_id == tenant_id, twin.c[column.name] == survivor_id, *same),
                )
            )
        db.session.execute(
            update(table).where(table.c.tenant_id == tenant_id, column == merged_id).values({column.name: survivor_id})
        )


def merge_preview(record_type, ids) -> list:
    records = load_records(record_type, ids)
    if len(records) < 2:
        raise ValidationFailed("Choose two or more records.", details={"ids": ["Choose two or more records."]})
    return records[: MAX_MERGED + 1]
