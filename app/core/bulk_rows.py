"""Rows a bulk job writes per table with one executemany instead of object by object.

The unit of work spends far more Python on each new object (its state, its history, the
flush's ordering and bookkeeping) than the database spends inserting it: an import batch of
500 contacts made some 3,500 objects and half of the import's time was their flush. Inside
`rows_written_together()`, rows that are only appended and never read back in the block
(domain events, audit rows, timeline entries, an import's row outcomes) wait for its end and
go in together (`add_row`, made cheaply by `make_row`); the kit's create inserts its records
the same way (`insert_rows`, from `app.records.inserting`). Outside a block `add_row` is
`Session.add`, so every other caller keeps the unit of work.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, Table, insert
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.base import instance_state

from app.core.context import CrossTenantWrite, NoTenantContext, get_current_tenant_id, in_platform_scope
from app.core.extensions import db

PENDING_ROWS = "bulk_rows.pending"

# {mapper: ((attribute key, column), …)} of the columns of its own table
_columns: dict[Mapper, tuple[tuple[str, Column], ...]] = {}


def writing_together() -> bool:
    """Whether rows added now wait for the end of a `rows_written_together()` block."""
    return PENDING_ROWS in db.session.info


@contextmanager
def rows_written_together() -> Iterator[None]:
    """Collect the rows `add_row` and `add_rows` are given in the block and insert them when it
    ends, after a flush of the session's own objects (the records they point at), table by
    table in the order each table was first given a row: an event before its deliveries, a
    timeline entry before its links. Nothing in the block may read those rows back: they are
    not in the database until it ends. An error drops them with the transaction it rolls back."""
    session = db.session()
    if PENDING_ROWS in session.info:  # nested: the outer block writes them
        yield
        return
    session.info[PENDING_ROWS] = pending = {}
    try:
        yield
        session.flush()
    finally:
        session.info.pop(PENDING_ROWS, None)
    insert_rows(pending)


def add_row(obj):
    """A new ORM object to insert: at the end of the current block, else by the unit of work."""
    pending = db.session.info.get(PENDING_ROWS)
    if pending is None:
        db.session.add(obj)
    else:
        pending.setdefault(obj.__table__, []).append(obj)
    return obj


def make_row(model, **values):
    """A new, unsaved `model(**values)`. In a block it is made without the ORM's constructor,
    which sends every value through an attribute event and runs the init listeners (some 30 µs
    an object, four objects a contact in an import): the values go straight into the
    instance's state, where they read as on any other object. Stamped with the tenant in
    context, as the constructor stamps it (`app.core.session`)."""
    if PENDING_ROWS not in db.session.info:
        return model(**values)
    if values.get("tenant_id") is None and "tenant_id" in model.__table__.c:
        values["tenant_id"] = get_current_tenant_id()
    obj = model.__mapper__.class_manager.new_instance()
    instance_state(obj).dict.update(values)
    return obj


def add_rows(table: Table, rows: list[dict]) -> None:
    """Rows of a table with no model (a link table) for the end of the current block."""
    db.session.info[PENDING_ROWS].setdefault(table, []).extend(rows)


def insert_rows(pending: dict) -> None:
    """Insert {table: [new ORM object or dict of values, …]} now, a table at a time in the
    dict's order, each table's rows by one executemany (per set of columns)."""
    connection = db.session.connection()
    tenant_id, platform = get_current_tenant_id(), in_platform_scope()
    for table, items in pending.items():
        # Values read now, not when added: an in-transaction subscriber may still have
        # changed an event after it was added (an automation's stamp on its payload).
        groups: dict[tuple, list[dict]] = {}
        for item in items:
            values = item if isinstance(item, dict) else _values_of(item)
            _check_tenant(table, values, tenant_id, platform)
            groups.setdefault(tuple(values), []).append(values)
        # One statement needs the same columns in every row: a group per set of columns (rows
        # of one kind nearly always make one group).
        for rows in groups.values():
            # On the session's connection, not through Session.execute, which would flush
            # first: new records inserted here are still pending in the session until then.
            connection.execute(insert(table), rows)


def _values_of(obj) -> dict:
    """The values a flush would insert for a new object: its own, a column's Python-side
    default where it has none (its id, its stamps; kept on the object too, as a flush keeps
    them), nothing where the database has a default, else NULL."""
    state = instance_state(obj)
    columns = _columns.get(state.mapper)
    if columns is None:
        mapper = state.mapper
        columns = _columns[mapper] = tuple(
            (prop.key, prop.columns[0]) for prop in mapper.column_attrs if prop.columns[0].table is mapper.local_table
        )
    given = state.dict
    values = {}
    for attribute, column in columns:
        value = given.get(attribute)
        if value is None:
            default = column.default
            if default is not None and (default.is_scalar or default.is_callable):
                # A callable default was wrapped by SQLAlchemy to take the statement's
                # context, which no default of ours reads.
                value = given[attribute] = default.arg if default.is_scalar else default.arg(None)
            elif column.server_default is not None:
                continue
        values[column.key] = value
    return values


def _check_tenant(table: Table, values: dict, tenant_id, platform: bool) -> None:
    """The unit of work's rule for new rows (`app.core.session`): stamped with the tenant in
    context, never another tenant's outside platform scope."""
    if "tenant_id" not in table.c:
        return
    if values.get("tenant_id") is None:
        if tenant_id is None:
            raise NoTenantContext(f"a new row of {table.name} with no tenant in context")
        values["tenant_id"] = tenant_id
    elif not platform and values["tenant_id"] != tenant_id:
        raise CrossTenantWrite(f"a row of {table.name} belongs to another tenant")
