"""Demo tasks for `seed-demo`: every seller has tasks due today, one overdue and a few this week,
about the demo's contacts, companies and leads; one repeats weekly."""

import random
from datetime import time, timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.crm.companies.models import Company
from app.crm.contacts.models import Contact
from app.crm.leads.models import Lead, LeadStatus
from app.crm.tasks.services import complete_task, create_task
from app.records.normalize import workspace_today

TASKS = (
    # (days from today, time or None, priority, related kind)
    (0, time(10, 30), "high", "contact"),
    (0, None, "urgent", "company"),
    (-2, None, "medium", "contact"),
    (0, time(15, 0), "medium", "lead"),
    (2, None, "high", "company"),
    (3, time(11, 0), "low", "contact"),
    (4, None, "medium", "company"),
    (9, None, "medium", "company"),
)
# Each seller's list (the sellers take these in turn): a title for each of TASKS, then the
# seller's weekly routine.
LISTS = (
    (
        "Call back about the spring campaign",
        "Send the retainer proposal",
        "Follow up on the workshop dates",
        "Qualify the inbound enquiry",
        "Prepare the quarterly review deck",
        "Check the brand guidelines feedback",
        "Book the photo shoot",
        "Renewal: confirm the budget",
        "Weekly pipeline review",
    ),
    (
        "Call to confirm the shoot location",
        "Send the revised statement of work",
        "Chase the signed contract",
        "Book a discovery call",
        "Draft the media plan",
        "Share the moodboard",
        "Order the print proofs",
        "Plan next quarter's retainer",
        "Weekly content planning",
    ),
    (
        "Check in after onboarding",
        "Send the case studies",
        "Answer the invoice query",
        "Qualify the trade-fair contact",
        "Prepare the rebrand pitch",
        "Send the meeting notes",
        "Schedule the website launch",
        "Review the hosting renewal",
        "Weekly account check-ins",
    ),
)


def seed_tasks_demo(tenant, *, owner, sellers) -> None:
    """Part of the CRM demo, which passes its owner (the actor) and its sellers."""
    rng = random.Random(f"tasks-{tenant.slug}")
    related = {
        "contact": list(db.session.scalars(select(Contact.id).order_by(Contact.created_at).limit(20))),
        "company": list(db.session.scalars(select(Company.id).order_by(Company.created_at).limit(10))),
        # A task works a lead still in play: "qualify" a lost or converted one contradicts it.
        "lead": list(
            db.session.scalars(
                select(Lead.id).where(Lead.status.in_(LeadStatus.OPEN)).order_by(Lead.created_at).limit(10)
            )
        ),
    }
    today = workspace_today()
    # The owner's urgent task of the day comes from a teammate, as work is handed over.
    delegator = next((seller for seller in sellers if seller.id != owner.id), owner)
    # A team whose members each had the same eight tasks would read as generated: each seller
    # gets the same shape of day (due today, overdue, this week) with tasks of their own.
    for index, seller in enumerate(sellers):
        *titles, weekly_title = LISTS[index % len(LISTS)]
        for title, (days, at, priority, kind) in zip(titles, TASKS, strict=True):
            handed_over = seller.id == owner.id and priority == "urgent"
            create_task(
                {
                    "title": title,
                    "due_date": today + timedelta(days=days),
                    "due_time": at,
                    "priority": priority,
                    "related_id": rng.choice(related[kind]) if related[kind] else None,
                    "owner_id": seller.id,
                    "reminders": ["15"] if at is not None and days >= 0 else [],
                },
                actor=delegator if handed_over else owner,
            )
        weekly = create_task(
            {
                "title": weekly_title,
                "due_date": today - timedelta(days=7),
                "due_time": time(9, 0),
                "recurrence": "weekly",
                "owner_id": seller.id,
                "priority": "medium",
            },
            actor=owner,
        )
        complete_task(weekly, actor=owner)  # last week's is done; this week's comes next
    db.session.flush()
