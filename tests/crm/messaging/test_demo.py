"""seed-demo's sent newsletter reads as a campaign that went out days ago, beside a draft."""

from datetime import timedelta

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
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == "Spring newsletter"))
        first_sent = min(db.session.scalars(select(Message.sent_at).where(Message.sent_at.is_not(None))))
        assert campaign.status == "sent"
        assert campaign.started_at <= first_sent < campaign.finished_at


def test_the_demo_sms_thread_reads_as_a_conversation_over_a_day(app, make_tenant):
    """The inbox held two lone questions stamped with the minute seed-demo ran: no reminder
    they answered, and every message at the same time."""
    from app.core.types import utcnow
    from app.crm.messaging.demo import seed_messaging_demo
    from app.crm.messaging.models import Channel, Conversation, Message, MessageStatus

    tenant = make_tenant("acme", roles=("owner",))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_messaging_demo)
        texts = list(
            db.session.scalars(select(Message).where(Message.channel == Channel.SMS).order_by(Message.created_at))
        )
        conversations = list(db.session.scalars(select(Conversation).order_by(Conversation.last_message_at)))
        reminder, answer, stranger = texts
        assert (reminder.direction, reminder.status) == ("outbound", MessageStatus.DELIVERED)
        assert reminder.contact_id == answer.contact_id
        assert "reminder of our call" in reminder.body_text
        assert answer.direction == stranger.direction == "inbound"
        assert stranger.contact_id is None
        now = utcnow()
        assert now - reminder.created_at > now - answer.created_at > now - stranger.created_at > timedelta(minutes=30)
        assert [c.unread_count for c in conversations] == [1, 1]
        assert abs(conversations[0].last_message_at - answer.created_at) < timedelta(seconds=1)


def test_the_demo_has_a_draft_campaign_to_check_and_start(app, make_tenant, client_for):
    """Every demo campaign had been sent: a newcomer never saw the page that shows who a
    campaign would reach and what it would send before it starts."""
    from app.crm.messaging.demo import seed_messaging_demo
    from app.crm.messaging.models import Campaign

    tenant = make_tenant("acme", roles=("owner",))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_messaging_demo)
        draft = db.session.scalar(select(Campaign).where(Campaign.status == "draft"))
        draft_id = draft.id
    page = client_for(tenant).get(f"/campaigns/{draft_id}").text
    assert 'data-testid="campaign-reach"' in page
    assert 'data-testid="campaign-preview"' in page
    assert 'data-testid="campaign-launch"' in page
