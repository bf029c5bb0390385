"""On PostgreSQL a selective search asks the trigram index for candidates through the
platform role; the tenant is bound explicitly, so another tenant's look-alike rows never
become candidates, and broad terms fall back to the plain LIKE."""

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.contacts.services import list_contacts
from app.records import search
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.factories import make_contact

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="the candidate path exists on PostgreSQL only")


def _contact_ids(app, tenant):
    with in_tenant(app, tenant):
        return set(db.session.scalars(select(Contact.id)))


def test_candidates_come_only_from_the_current_tenant(app, tenant_a, tenant_b, monkeypatch):
    for tenant in (tenant_a, tenant_b):
        make_contact(app, tenant, emails=[{"email": "mila.nguyen0@example.com", "primary": True}])
    asked = []
    original = search._indexed_candidates
    monkeypatch.setattr(search, "_indexed_candidates", lambda *args: asked.append(original(*args)) or asked[-1])
    with in_tenant(app, tenant_a):
        condition = search.search_condition(Contact.search_text, "mila.nguyen0")
        ids = asked[0]
        assert "ANY" in str(condition).upper()
        page = list_contacts(search="mila.nguyen0", filters={}, sort="name", cursor=None, limit=25)
        found = {contact.id for contact in page.items}
    assert ids is not None, "a selective term should use the candidate path"
    assert set(ids) == found == _contact_ids(app, tenant_a)


def test_broad_terms_keep_the_plain_like(app, tenant_a, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 1)
    for number in range(3):
        make_contact(app, tenant_a, first_name=f"Broad{number}")
    with in_tenant(app, tenant_a):
        condition = search.search_condition(Contact.search_text, "broad")
        page = list_contacts(search="broad", filters={}, sort="name", cursor=None, limit=25)
        assert "LIKE" in str(condition).upper()
        assert len(page.items) == 3
