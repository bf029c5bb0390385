"""New records of a bulk job inserted table by table with Core, then handed to the session as a
flush hands them over.

Inside `rows_written_together()` (an import's batch) the kit's create fills its records as
always — ORM objects, through the fields, the capabilities and `before_save` — and then writes
them here instead of flushing them: their `records` entries, their rows, their child rows (a
contact's e-mails) and their tag links, each table by one executemany. The session then holds
them as persistent objects with nothing to flush, so the rest of the batch reads and changes
them as any loaded record (a later row of the file updating one, `after_save`, the events'
subscribers). The unit of work's flush of those objects was the largest share of an import's
time (bench/README.md, 2026-12-06). A record holding a relationship this module does not know
how to write goes through the unit of work instead, as outside a block.
"""

from sqlalchemy.orm import RelationshipDirection
from sqlalchemy.orm.base import instance_state

from app.core.bulk_rows import insert_rows, make_row
from app.core.extensions import db
from app.records.models import RecordEntry


def insert_new_records(record_type, records: list) -> bool:
    """Insert `records` of `record_type`, pending in the session and not flushed, and make them
    persistent; False (and nothing written) when one of them holds something only a flush
    would write."""
    children, links = [], {}
    for record in records:
        if not _collect(record, children, links):
            return False
    tables: dict = {RecordEntry.__table__: [], record_type.model.__table__: []}
    for record in records:
        title = record_type.title_of(record)[:300]
        tables[RecordEntry.__table__].append(make_row(RecordEntry, id=record.id, type=record_type.name, title=title))
        tables[record_type.model.__table__].append(record)
        _null_unset_columns(record)
    for child in children:
        tables.setdefault(child.__table__, []).append(child)
        _null_unset_columns(child)
    tables.update(links)
    insert_rows(tables)
    # What a flush does last, by the step it calls (private to SQLAlchemy, which
    # requirements.txt pins; tests/records/test_inserting.py holds its effect): the objects
    # become persistent, keyed, with their values as loaded (no history, nothing left to
    # flush), and a rollback forgets them as it forgets new ones.
    db.session()._register_persistent({instance_state(item) for item in (*records, *children)})
    return True


def _collect(record, children: list, links: dict) -> bool:
    """Gather a record's child rows (their keys filled in from the record) and its links
    through a link table; False for a relationship it cannot write."""
    state = instance_state(record)
    mapper = state.mapper
    for relationship in mapper.relationships:
        if relationship.key not in state.dict:
            continue
        value = state.dict[relationship.key]
        direction = relationship.direction
        if direction is RelationshipDirection.MANYTOONE and relationship.secondary is None:
            # The kit sets the key column with the object (a contact's company_id and company):
            # the row's column is what is written, so the two must agree.
            if not _columns_match(record, value, relationship.local_remote_pairs):
                return False
        elif direction is RelationshipDirection.ONETOMANY and relationship.secondary is None:
            for child in value:
                child_state = instance_state(child)
                if child_state.key is not None or any(
                    item.key in child_state.dict for item in child_state.mapper.relationships
                ):
                    return False
                for local, remote in relationship.local_remote_pairs:
                    _set(child, remote, _get(record, local))
            children.extend(value)
        elif direction is RelationshipDirection.MANYTOMANY:
            rows = links.setdefault(relationship.secondary, [])
            for target in value:
                if instance_state(target).key is None:
                    return False
                row = {column.key: _get(record, local) for local, column in relationship.synchronize_pairs}
                row.update(
                    {column.key: _get(target, remote) for remote, column in relationship.secondary_synchronize_pairs}
                )
                rows.append(row)
        else:
            return False
    return True


def _columns_match(record, target, pairs) -> bool:
    if target is None:
        return all(_get(record, local) is None for local, remote in pairs if local.key != "tenant_id")
    return all(_get(record, local) == _get(target, remote) for local, remote in pairs)


def _get(obj, column):
    return getattr(obj, instance_state(obj).mapper.get_property_by_column(column).key)


def _set(obj, column, value) -> None:
    setattr(obj, instance_state(obj).mapper.get_property_by_column(column).key, value)


def _null_unset_columns(obj) -> None:
    """A column the object never set, with no default of either kind, is stored NULL (as a
    flush stores it) and reads None, not as a value still to load."""
    state = instance_state(obj)
    for prop in state.mapper.column_attrs:
        column = prop.columns[0]
        if prop.key not in state.dict and column.default is None and column.server_default is None:
            state.dict[prop.key] = None
