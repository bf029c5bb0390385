"""seed-demo leaves segments that compile and match some of the demo records."""

from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


def test_demo_segments_match_demo_records(app, make_tenant):
    from app.crm.deals.demo import seed_deals_demo
    from app.crm.segments.demo import seed_segments_demo
    from app.crm.segments.models import Segment
    from app.crm.segments.services import count_segment

    tenant = make_tenant("acme", roles=("owner", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_deals_demo, seed_segments_demo, seed_segments_demo)  # idempotent
        segments = list(db.session.scalars(select(Segment).order_by(Segment.name)))
        counts = {segment.name: count_segment(segment)[0] for segment in segments}
    assert len(segments) == 6
    assert counts["Our best clients"] > 0
    assert counts["Newsletter audience"] > 0
    assert counts["Qualified leads with a budget"] > 0
    assert all(count < 36 for name, count in counts.items() if name != "Qualified leads with a budget")
