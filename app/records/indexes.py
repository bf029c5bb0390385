"""The indexes a record type's list reads: one per sort it offers and one per filter, each
leading with tenant_id and ending with id."""

from sqlalchemy import Index


def sort_index(table: str, column: str) -> Index:
    """The index a declared sort walks: keyset pages read `(tenant_id, column, id)` from the cursor.
    Every sort a type offers needs one (tests/records/test_list_indexes.py checks)."""
    return Index(f"ix_{table}_tenant_{column}", "tenant_id", column, "id")


def filter_index(table: str, column: str) -> Index:
    """The index a list filter on `column` reads: the rows with a value, in id order, from the
    index alone. Its `id` lets a filter's count and a semi-join (a tag) meet another filter
    by merging ids instead of reading each matching row of the table
    (tests/records/test_list_indexes.py checks that every filter of every type has one).

    It is the sort's index: `(tenant_id, column, id)`, so a column both sorted and filtered on
    declares one of the two."""
    return sort_index(table, column)
