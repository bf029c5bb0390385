"""seed-demo leaves possible duplicates to review: a contact and a lead entered twice."""

from sqlalchemy import func, select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


def test_the_demo_has_a_contact_and_a_lead_to_merge(app, make_tenant):
    from app.crm.duplicates.demo import seed_duplicates_demo
    from app.crm.duplicates.models import DuplicatePair

    tenant = make_tenant("acme", roles=("owner", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_duplicates_demo, seed_duplicates_demo)  # the second adds nothing
        pairs = {(pair.record_type, pair.reason) for pair in db.session.scalars(select(DuplicatePair))}
        count = db.session.scalar(select(func.count()).select_from(DuplicatePair))
    assert pairs == {("contact", "Same name at the same company"), ("lead", "Same email")}
    assert count == 2


def test_the_demo_pairs_show_on_the_duplicates_page(app, make_tenant, client_for):
    from app.crm.duplicates.demo import seed_duplicates_demo

    tenant = make_tenant("acme", roles=("owner", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_duplicates_demo)
    page = client_for(tenant, "owner").get("/duplicates")
    assert page.status_code == 200
    assert page.text.count("Same name at the same company") == 1
    assert page.text.count("Same email") == 1
