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


def filter_in_order_index(table: str, column: str, sort_column: str) -> Index:
    """A filter's rows in a sort's order: `(tenant_id, column, sort_column, id)`, beside the
    filter's own index (which its count and its id merges keep reading).

    For a filter of few values that people narrow further, a contact's stage or a lead's
    status with a tag: the page then walks that stage's rows in name order and tests each
    against the tag's links from an index. Without it the page walks the whole name index
    and reads every row to test its stage — 15,000 contacts for one page of a tag at a million.
    """
    return Index(f"ix_{table}_tenant_{column}_{sort_column}", "tenant_id", column, sort_column, "id")
