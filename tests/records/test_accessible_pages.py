"""What a screen reader hears on the kit's pages: the sorted column of a list."""

import re

from tests.crm.factories import make_contact


def _header_of(html: str, label: str) -> str:
    """The opening <th …> tag of the column whose header reads `label`."""
    match = re.search(r"(<th[^>]*>)\s*(?:<a[^>]*>)?\s*" + re.escape(label) + r"\b", html)
    assert match, f"no column header {label!r}"
    return match.group(1)


def test_sorted_column_announces_its_direction(app, client_for, tenant_a):
    make_contact(app, tenant_a, first_name="Ada", last_name="Lovelace")
    client = client_for(tenant_a)

    ascending = client.get("/contacts?sort=name").get_data(as_text=True)
    assert 'aria-sort="ascending"' in _header_of(ascending, "Contact")
    assert "aria-sort" not in _header_of(ascending, "Owner")  # not sortable

    descending = client.get("/contacts?sort=-name").get_data(as_text=True)
    assert 'aria-sort="descending"' in _header_of(descending, "Contact")

    newest = client.get("/contacts?sort=-created_at").get_data(as_text=True)
    assert "aria-sort" not in _header_of(newest, "Contact")  # sorted by a column not shown
