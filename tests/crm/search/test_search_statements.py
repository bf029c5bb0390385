"""The global search sends a bounded number of statements, whatever the number of record types:
every type is asked for its best matches in one statement, and only the types with a match are
then loaded."""

import pytest

from tests.crm.factories import make_company, make_contact

# The tenant row with the signed-in user (1); every searchable type's best matches, asked together
# (1, or on PostgreSQL 2 for a term shorter than a trigram: the newest rows first, then the index
# for the types those did not answer); the matched contacts (1) and their e-mails and phones
# together (1). A type without a match costs nothing: there are a dozen.
ONE_TYPE_MAX = 5
NO_MATCH_MAX = 3


def _statements(client, query_counter, query) -> list[str]:
    path = f"/search?q={query}"
    client.get(path, headers={"HX-Request": "true"})  # warm caches before counting
    with query_counter() as counted:
        response = client.get(path, headers={"HX-Request": "true"})
    assert response.status_code == 200, path
    # On PostgreSQL each transaction first tells RLS its tenant: plumbing, not a load.
    return [statement for statement in counted.statements if "set_config('app.tenant_id'" not in statement]


@pytest.mark.parametrize("query", ["quizzleton", "qu"])
def test_types_are_asked_together_and_only_matched_ones_loaded(
    app, tenant_a, tenant_b, client_for, query_counter, query
):
    make_contact(app, tenant_a, first_name="Ottoline", last_name="Quizzleton", emails=[{"email": "o@example.test"}])
    make_company(app, tenant_b, name="Quizzleton Labs")  # another workspace's match loads nothing here
    client = client_for(tenant_a)
    matched = _statements(client, query_counter, query)
    assert len(matched) <= ONE_TYPE_MAX, matched
    assert not any(statement.startswith("SELECT companies.") for statement in matched), matched
    nothing = _statements(client, query_counter, "zzqqxx")
    assert len(nothing) <= NO_MATCH_MAX, nothing
