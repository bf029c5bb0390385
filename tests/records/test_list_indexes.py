"""Every sort a record type offers walks an index that leads with tenant_id, and on PostgreSQL a
deep page reaches its cursor through that index under row-level security (a row comparison of
leakproof operators), so page 40,000 costs what page one does — for every declared type."""

import pytest
from sqlalchemy import event, text

from app.core.extensions import db
from app.records.listing import list_records, own_column
from app.records.registry import record_types
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.factories import make_record


def _sorts(app):
    with app.app_context():
        return [(record_type, sort) for record_type in record_types() for sort in record_type.sorts().values()]


def test_every_sort_has_a_tenant_led_index(app):
    missing = []
    for record_type, sort in _sorts(app):
        column = own_column(record_type.model, sort.column)
        assert column is not None, f"{record_type.name}: sort {sort.key} is not a column of its own table"
        wanted = ["tenant_id", column.name, "id"]
        indexes = [[item.name for item in index.columns] for index in record_type.model.__table__.indexes]
        if not any(columns[:3] == wanted for columns in indexes):
            missing.append(
                f"{record_type.name}.{sort.key}: add sort_index({record_type.model.__tablename__!r}, {column.name!r})"
            )
    assert not missing, "sorts without a (tenant_id, column, id) index:\n" + "\n".join(sorted(set(missing)))


def test_every_filter_has_a_tenant_led_index_ending_with_id(app):
    """A filter reads its rows from an index, and a filtered count meets another filter (a
    tag, a stage) by merging ids from the indexes alone, not by reading each matching row."""
    missing = []
    with app.app_context():
        for record_type in record_types():
            table = record_type.model.__table__
            columns = [table.c[field.attribute] for field in record_type.fields if field.filter]
            if any(capability.key == "owner" for capability in record_type.capabilities):
                columns.append(table.c.owner_id)
            indexes = [[item.name for item in index.columns] for index in table.indexes]
            for column in columns:
                if not any(names[:2] == ["tenant_id", column.name] and "id" in names for names in indexes):
                    missing.append(f"{record_type.name}: add filter_index({table.name!r}, {column.name!r})")
    assert not missing, "filters without a (tenant_id, column, …, id) index:\n" + "\n".join(missing)


def _page_plan(record_type, **listing) -> str:
    """PostgreSQL's plan of the page statement `list_records(record_type, **listing)` sends (call
    inside a tenant context). With a handful of rows a sequential scan is cheapest: the plan is
    asked without one, and without a sort, as an index would give it at a million rows."""
    seen = []

    def remember(conn, cursor_, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "ORDER BY" in statement:
            seen.append((statement, parameters))

    connection = db.session.connection()
    event.listen(connection.engine, "before_cursor_execute", remember)
    try:
        list_records(record_type, **listing)
    finally:
        event.remove(connection.engine, "before_cursor_execute", remember)
    statement, parameters = seen[0]
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_sort = off"))
    plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    db.session.rollback()
    return plan


@pytest.mark.skipif(not USE_POSTGRES, reason="plans of PostgreSQL under row-level security")
def test_a_deep_page_reaches_its_cursor_through_the_index(app, tenant_a):
    problems = []
    for record_type, sort in _sorts(app):
        for _ in range(2):
            make_record(app, tenant_a, record_type.name)
        with in_tenant(app, tenant_a):
            cursor = list_records(record_type, sort=sort.key, limit=1).next_cursor
            plan = _page_plan(record_type, sort=sort.key, cursor=cursor, limit=1)
        walks_index = any("Index Cond" in line and "ROW(" in line for line in plan.splitlines())
        if not walks_index:
            problems.append(f"{record_type.name} sorted by {sort.key}:\n{plan}")
    assert not problems, "deep pages that filter row by row instead of seeking the cursor:\n" + "\n\n".join(problems)


@pytest.mark.skipif(not USE_POSTGRES, reason="plans of PostgreSQL under row-level security")
@pytest.mark.parametrize(
    ("type_name", "column", "value", "index"),
    [
        ("contact", "lifecycle_stage", "customer", "ix_contacts_tenant_lifecycle_stage_full_name"),
        ("lead", "status", "new", "ix_leads_tenant_status_created_at"),
    ],
)
def test_a_tag_and_a_stage_page_walks_the_stage_in_the_lists_order(app, tenant_a, type_name, column, value, index):
    """In the list's default order (contacts by name, leads newest first); not the whole sort
    index, each row read to test its stage (15,000 rows for a page of a tag among a million
    contacts)."""
    from tests.crm.factories import make_tag

    tag = make_tag(app, tenant_a, name="Priority")
    with in_tenant(app, tenant_a):
        record_type = next(item for item in record_types() if item.name == type_name)
        plan = _page_plan(record_type, filters={column: value, "tag_id": str(tag)}, limit=25)
    assert index in plan, plan
