"""seed-demo's deals have a history, and their timelines tell the same one as their dates."""

from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


def about(moment, expected) -> bool:
    """The same moment, give or take the milliseconds between a write and its event."""
    return abs(moment - expected) < timedelta(seconds=1)


def test_each_demo_deal_timeline_is_dated_like_the_deal(app, make_tenant):
    from app.crm.activities.models import Activity
    from app.crm.deals.demo import seed_deals_demo
    from app.crm.deals.models import Deal, DealStatus

    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_deals_demo)
        backdated = 0
        for deal in db.session.scalars(select(Deal)):
            entries = db.session.scalars(
                select(Activity).where(Activity.record_id == deal.id, Activity.type == "system")
            ).all()
            by_action = {}
            for entry in entries:
                by_action.setdefault(entry.details["action"], []).append(entry.occurred_at)
            (created,) = by_action["deal.created"]
            assert about(created, deal.created_at), deal.name
            if deal.status != DealStatus.OPEN:
                (closed,) = by_action[f"deal.{deal.status}"]
                assert about(closed, deal.closed_at), deal.name
                assert about(max(by_action["deal.stage_changed"]), deal.closed_at), deal.name
            elif "deal.stage_changed" in by_action:
                assert about(max(by_action["deal.stage_changed"]), deal.stage_entered_at), deal.name
            backdated += (deal.closed_at or deal.stage_entered_at) > deal.created_at
        # Demo deals were made weeks ago and moved since, not all this minute.
        assert backdated >= 10


def test_demo_people_were_there_before_their_deals_and_buyers_are_customers(app, make_tenant):
    from app.crm.deals.demo import seed_deals_demo
    from app.crm.deals.models import Deal, DealStatus
    from app.crm.leads.models import Lead

    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id, seed_deals_demo)
        for deal in db.session.scalars(select(Deal)):
            for link in deal.contact_links:
                assert link.contact.created_at < deal.created_at, (deal.name, link.contact.full_name)
                if deal.status == DealStatus.WON:
                    assert link.contact.lifecycle_stage == "customer", (deal.name, link.contact.full_name)
            if deal.company is not None:
                assert deal.company.created_at < deal.created_at, deal.name
        leads = db.session.scalars(select(Lead)).all()
        # Leads came in over the last weeks, not all in the minute of seeding.
        assert len({lead.created_at.date() for lead in leads}) > 5
