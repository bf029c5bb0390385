"""seed-demo's sent newsletter reads as a campaign that went out days ago."""

from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


def test_the_demo_newsletter_started_before_it_finished(app, make_tenant):
    """Its page said "Started 06 Dec · finished 03 Dec": the recipients were queued with the
    clock of today, while the batches that sent them ran three days ago."""
    from app.crm.messaging.demo import seed_messaging_demo
    from app.crm.messaging.models import Campaign, Message

    tenant = make_tenant("acme", roles=("owner",))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_messaging_demo)
        campaign = db.session.scalar(select(Campaign))
        first_sent = min(db.session.scalars(select(Message.sent_at).where(Message.sent_at.is_not(None))))
        assert campaign.status == "sent"
        assert campaign.started_at <= first_sent < campaign.finished_at
