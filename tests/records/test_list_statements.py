"""Every record type's list page and API list send a bounded number of SQL statements, the same
for 2 rows as for 12, and never the same statement twice (users, tags, meters are read once)."""

import re
from collections import Counter

import pytest

from app.records.registry import get_record_type
from app.wiring import RECORD_TYPES
from tests.crm.factories import make_record, make_tag

TYPE_NAMES = [item.name for item in RECORD_TYPES()] + ["gadget"]
# A list page on a plan with limits: the tenant row with the signed-in user (1: its subdomain
# is known after the first request), what the filter bar, cells and bulk bar read beside the
# records — users, tags, custom fields, saved views — together (1), the page with its computed
# columns (1), the page's collections — tags, emails, phones — together (1), the count (1: in
# the page's statement PostgreSQL would count without parallel workers), the banners' usage:
# meters, record counters and seats (1). A deal list adds its pipelines and stages (1).
# Issue 10's goal is 8.
HTML_LIST_MAX = 7
# The tenant row with the key and its user (1), the call's meter (1 upsert that returns the
# count), the page (1) and its collections together (1). Issue 10's goal is 5.
API_LIST_MAX = 4


def _fill(app, tenant, name, count):
    record_type = get_record_type(name)
    tag = make_tag(app, tenant, name=f"Tag {count}")
    # Rows that point to another record shown in the list (a contact's company) make the page
    # read that record too: it must come with the page, not as a statement of its own.
    references = {
        item.name: str(make_record(app, tenant, item.to))
        for item in record_type.fields
        if getattr(item, "kind", "") == "reference" and item.list and not item.read_only
    }
    for _ in range(count):
        extra = {"tag_ids": [tag]} if record_type.has("tags") else {}
        make_record(app, tenant, name, **references, **extra)


def _statements(client, query_counter, path) -> list[str]:
    client.get(path)  # warm caches (plans, templates, the key's first use) before counting
    with query_counter() as counted:
        response = client.get(path)
    assert response.status_code == 200, path
    # On PostgreSQL each transaction first tells RLS its tenant: plumbing, not a load.
    return [statement for statement in counted.statements if "set_config('app.tenant_id'" not in statement]


# One counter row per counted type (contacts, deals…) for the banners: different loads of one
# shape. Reading them together would need a per-request cache that enforce() must not see.
PER_TYPE_COUNTER = "SELECT usage_meters.count FROM usage_meters"


def _repeated(statements) -> list[str]:
    # Statements that differ only in their parameters are the same load done twice.
    shapes = Counter(re.sub(r"\s+", " ", statement) for statement in statements)
    return [shape[:120] for shape, times in shapes.items() if times > 1 and not shape.startswith(PER_TYPE_COUNTER)]


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_list_page_and_api_list_statements_are_bounded(app, client_for, api_client_for, tenant_a, query_counter, name):
    plural = get_record_type(name).plural
    client, api = client_for(tenant_a), api_client_for(tenant_a)
    counts = {}
    for added in (2, 10):
        _fill(app, tenant_a, name, added)
        for label, caller, path in (
            ("html", client, f"/{plural}?limit=50"),
            ("api", api, f"/api/v1/{plural}?limit=50"),
        ):
            statements = _statements(caller, query_counter, path)
            counts.setdefault(label, []).append(len(statements))
            assert not _repeated(statements), f"{path} repeats {_repeated(statements)}"
    assert counts["html"][0] == counts["html"][1], f"/{plural}: {counts['html']} statements for 2 and 12 rows"
    assert counts["api"][0] == counts["api"][1], f"/api/v1/{plural}: {counts['api']} statements for 2 and 12 rows"
    assert counts["html"][1] <= HTML_LIST_MAX, counts
    assert counts["api"][1] <= API_LIST_MAX, counts
