"""A counted type's usage comes from a counter the kit keeps with every create and delete,
started by counting once when it is missing; no page counts the rows."""

from sqlalchemy import delete, select

from app.core.extensions import db
from app.plans.models import UsageMeter
from app.plans.services import current_usage
from app.records.counts import TOTAL
from app.records.registry import get_record_type
from app.records.services import delete_records, load_records
from tests.conftest import in_tenant
from tests.crm.factories import _owner, make_record


def _usage(app, tenant) -> int:
    with in_tenant(app, tenant):
        return current_usage(tenant.id, "contacts")


def test_the_counter_follows_creates_and_deletes_and_starts_from_the_rows(app, tenant_a, tenant_b, query_counter):
    ids = [make_record(app, tenant_a, "contact") for _ in range(3)]
    make_record(app, tenant_b, "contact")
    assert (_usage(app, tenant_a), _usage(app, tenant_b)) == (3, 1)
    contacts = get_record_type("contact")
    with in_tenant(app, tenant_a):
        delete_records(contacts, load_records(contacts, ids[:2]), actor=_owner(tenant_a))
    assert _usage(app, tenant_a) == 1
    with in_tenant(app, tenant_a):
        db.session.execute(delete(UsageMeter).where(UsageMeter.metric == "contacts"))
    assert _usage(app, tenant_a) == 1  # counted once more, then kept
    with query_counter() as counted:
        assert _usage(app, tenant_a) == 1
    assert not [statement for statement in counted.statements if "FROM contacts" in statement]
    with in_tenant(app, tenant_a):
        stored = db.session.scalar(
            select(UsageMeter.count).where(UsageMeter.metric == "contacts", UsageMeter.period == TOTAL)
        )
    assert stored == 1
