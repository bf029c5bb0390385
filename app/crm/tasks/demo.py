"""Demo tasks for `seed-demo`: every seller has tasks due today, one overdue and a few this week,
about the demo's contacts, companies and leads; one repeats weekly."""

import random
from datetime import time, timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.crm.companies.models import Company
from app.crm.contacts.models import Contact
from app.crm.leads.models import Lead
from app.crm.tasks.queries import today_local
from app.crm.tasks.services import complete_task, create_task

TASKS = (
    # (titles, one per seller in turn; days from today; time or None; priority; related kind)
    (
        ("Call back about the spring campaign", "Call to confirm the shoot location", "Check in after onboarding"),
        0,
        time(10, 30),
        "high",
        "contact",
    ),
    (
        ("Send the retainer proposal", "Send the revised statement of work", "Send the case studies"),
        0,
        None,
        "urgent",
        "company",
    ),
    (
        ("Follow up on the workshop dates", "Chase the signed contract", "Answer the invoice query"),
        -2,
        None,
        "medium",
        "contact",
    ),
    (
        ("Qualify the inbound enquiry", "Book a discovery call", "Qualify the trade-fair contact"),
        0,
        time(15, 0),
        "medium",
        "lead",
    ),
    (
        ("Prepare the quarterly review deck", "Draft the media plan", "Prepare the rebrand pitch"),
        2,
        None,
        "high",
        "company",
    ),
    (
        ("Check the brand guidelines feedback", "Share the moodboard", "Send the meeting notes"),
        3,
        time(11, 0),
        "low",
        "contact",
    ),
    (("Book the photo shoot", "Order the print proofs", "Schedule the website launch"), 4, None, "medium", "company"),
    (
        ("Renewal: confirm the budget", "Plan next quarter's retainer", "Review the hosting renewal"),
        9,
        None,
        "medium",
        "company",
    ),
)
# Each seller's own weekly routine.
WEEKLY = ("Weekly pipeline review", "Weekly content planning", "Weekly account check-ins")


def seed_tasks_demo(tenant, *, owner, sellers) -> None:
    """Part of the CRM demo, which passes its owner (the actor) and its sellers."""
    rng = random.Random(f"tasks-{tenant.slug}")
    related = {
        "contact": list(db.session.scalars(select(Contact.id).order_by(Contact.created_at).limit(20))),
        "company": list(db.session.scalars(select(Company.id).order_by(Company.created_at).limit(10))),
        "lead": list(db.session.scalars(select(Lead.id).order_by(Lead.created_at).limit(10))),
    }
    today = today_local()
    # A team whose members each had the same eight tasks would read as generated: each seller
    # gets the same shape of day (due today, overdue, this week) with tasks of their own.
    for index, seller in enumerate(sellers):
        for titles, days, at, priority, kind in TASKS:
            create_task(
                {
                    "title": titles[index % len(titles)],
                    "due_date": today + timedelta(days=days),
                    "due_time": at,
                    "priority": priority,
                    "related_id": rng.choice(related[kind]) if related[kind] else None,
                    "owner_id": seller.id,
                    "reminders": ["15"] if at is not None and days >= 0 else [],
                },
                actor=owner,
            )
        weekly = create_task(
            {
                "title": WEEKLY[index % len(WEEKLY)],
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
