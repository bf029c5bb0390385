"""Demo deals for seed-demo: the standard pipeline with deals in every stage (a few rotting),
a retainer pipeline, won and lost deals over the last months, quotas and forecast snapshots.

Registered after the CRM demo (it uses its companies and contacts); a workspace that already
has deals is skipped.
"""

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth.demo_team import get_demo_owner, get_sellers
from app.core.errors import PlanLimitExceeded
from app.core.extensions import db
from app.core.types import clock_set_to, utcnow
from app.crm.activities.services import log_activity
from app.crm.companies.models import Company
from app.crm.contacts.models import Contact
from app.crm.deals.models import Deal, ForecastSnapshot, StageKind
from app.crm.deals.services.deals import create_deal, move_deal
from app.crm.deals.services.forecast import add_months, month_start, set_quota
from app.crm.deals.services.pipelines import create_pipeline, default_pipeline, list_reasons
from app.crm.tags.models import Tag
from app.records.normalize import workspace_today

OPEN_DEALS = (
    # name, value, stage index, days to expected close, priority
    ("Spring campaign", "18000", 0, 75, "medium"),
    ("Brand refresh", "42000", 0, 120, "high"),
    ("Newsletter redesign", "6500", 0, 40, "low"),
    ("Trade fair booth", "24000", 1, 60, "medium"),
    ("SEO audit", "4800", 1, 20, "low"),
    ("Product launch video", "31000", 1, 95, "high"),
    ("E-commerce rebuild", "88000", 2, 45, "high"),
    ("Social media retainer", "36000", 2, 30, "medium"),
    ("Annual report", "15500", 2, 55, "medium"),
    ("Loyalty app concept", "52000", 3, 14, "high"),
    ("Packaging series", "21000", 3, 25, "medium"),
    ("Podcast production", "9800", 3, 9, "low"),
)
CLOSED_DEALS = (
    # name, value, won?, months ago
    ("Website relaunch", "64000", True, 0),
    ("Catalogue photo shoot", "12500", True, 1),
    ("Recruiting campaign", "27000", True, 2),
    ("Event signage", "7400", False, 1),
    ("CRM migration", "33000", False, 2),
    ("Summer promotion", "19000", True, 3),
    ("Investor deck", "8800", True, 4),
    ("Radio spots", "14000", False, 4),
)
DEAL_NOTES = (
    "Went through the scope and the timeline; next step agreed.",
    "They asked for a second option with a smaller budget; revising the proposal.",
    "Walked their marketing lead through the case studies; legal review next week.",
    "Agreed the shoot dates; waiting for their procurement number.",
)
RETAINERS = (("Monthly content retainer", "48000", 0, 60), ("Paid ads management", "30000", 1, 35))


def seed_deals_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=Deal)
    if owner is None:
        return
    rng = random.Random(f"deals-{tenant.slug}")
    sellers = get_sellers()
    companies = list(db.session.scalars(select(Company).order_by(Company.name)))
    contacts = list(db.session.scalars(select(Contact).order_by(Contact.full_name)))
    tags = list(db.session.scalars(select(Tag).order_by(Tag.name)))
    pipeline = default_pipeline()
    stages = list(pipeline.stages)
    open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
    won_stage = next(stage for stage in stages if stage.kind == StageKind.WON)
    lost_stage = next(stage for stage in stages if stage.kind == StageKind.LOST)
    now = utcnow()
    today = workspace_today(now)

    def company_and_contacts():
        company = rng.choice(companies) if companies else None
        people = [contact for contact in contacts if company is not None and contact.company_id == company.id]
        chosen = people[:2] if people else []
        return company, [{"contact_id": contact.id, "primary": index == 0} for index, contact in enumerate(chosen)]

    def make(name, value, stage, *, created, moved_at=None, **extra):
        """A deal made `created` and moved to `stage` at `moved_at`, as the app did then: its
        dates, stage history and timeline all tell the same history."""
        company, people = company_and_contacts()
        data = {
            "name": name,
            "value": value,
            "pipeline_id": str(stage.pipeline_id),
            "owner_id": str(rng.choice(sellers).id),
            "source": rng.choice(["referral", "website", "event", "partner"]),
            "contacts": people,
            "tag_ids": [str(rng.choice(tags).id)] if tags and rng.random() < 0.4 else [],
            **extra,
        }
        if company is not None:
            data["company_id"] = str(company.id)
        with clock_set_to(created):
            deal = create_deal(data, actor=owner)
        if stage.id != deal.stage_id:
            with clock_set_to(moved_at or created):
                move_deal(deal, {"stage_id": str(stage.id)}, actor=owner)
        return deal

    for index, (name, value, stage_index, days, priority) in enumerate(OPEN_DEALS):
        age = timedelta(days=rng.randint(12, 60))
        deal = make(
            name,
            value,
            open_stages[stage_index],
            created=now - age,
            moved_at=now - age / 2,
            priority=priority,
            expected_close_date=(today + timedelta(days=days)).isoformat(),
        )
        if index % 4 == 1:
            # Idle for weeks: the board shows these as rotting.
            deal.idle_since = now - timedelta(days=30)
        elif deal.contact_links:
            log_activity(
                {
                    "type": rng.choice(["call", "meeting", "email"]),
                    "direction": "outbound",
                    "body": DEAL_NOTES[index % len(DEAL_NOTES)],
                    "record_id": deal.id,
                },
                actor=owner,
            )
    lost_reasons = list_reasons(StageKind.LOST)
    won_reasons = list_reasons(StageKind.WON)
    for name, value, won, months_ago in CLOSED_DEALS:
        closed_on = add_months(month_start(today), -months_ago) + timedelta(days=rng.randint(2, 20))
        if months_ago == 0:
            closed_on = today
        closed_at = now - timedelta(days=(today - closed_on).days)
        created = closed_at - timedelta(days=rng.randint(20, 70))
        deal = make(name, value, open_stages[-1], created=created, moved_at=created + (closed_at - created) / 3)
        reason = rng.choice(won_reasons if won else lost_reasons)
        with clock_set_to(closed_at):
            move_deal(
                deal,
                {
                    "stage_id": str((won_stage if won else lost_stage).id),
                    "close_reason_id": str(reason.id),
                    "close_note": "" if won else "They went with an in-house team.",
                },
                actor=owner,
            )
    if len(db.session.scalars(select(Deal.pipeline_id).distinct()).all()) < 2:
        retainers = _second_pipeline(owner)
        if retainers is not None:
            first = next(stage for stage in retainers.stages if stage.kind == StageKind.OPEN)
            for name, value, _stage_index, days in RETAINERS:
                make(name, value, first, created=now, expected_close_date=(today + timedelta(days=days)).isoformat())
    this_month = month_start(today)
    for seller in sellers:
        for offset in range(3):
            set_quota(seller.id, add_months(this_month, offset), rng.choice([40000, 50000, 60000]), actor=owner)
    for months_ago, weighted in ((3, "52000"), (2, "61000"), (1, "47000")):
        db.session.add(
            ForecastSnapshot(
                month=add_months(this_month, -months_ago),
                currency=tenant.currency,
                weighted=Decimal(weighted),
                best=Decimal(weighted) * 2,
                likely=Decimal(weighted) * Decimal("1.3"),
                worst=Decimal(weighted) * Decimal("0.6"),
                open_value=Decimal(weighted) * 3,
                details={},
                taken_at=now - timedelta(days=30 * months_ago),
            )
        )
    db.session.flush()


def _second_pipeline(owner):
    try:
        return create_pipeline({"name": "Retainers"}, actor=owner)
    except PlanLimitExceeded:
        return None
