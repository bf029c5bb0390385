"""seed-demo's booking pages read like a real agency's."""

from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


def test_the_demo_intro_call_has_a_video_link_its_bookings_carry(app, make_tenant):
    """It said "Video call (link in the invitation)", and no invitation held a link."""
    from app.crm.calendar.models import BookingType

    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id)
        intro = db.session.scalar(select(BookingType).where(BookingType.slug == "intro-call"))
        assert intro.video_url.startswith("https://")
        assert "link in the invitation" not in intro.location
