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
    # (title, days from today, time or None, priority, related kind)
    ("Call back about the spring campaign", 0, time(10, 30), "high", "contact"),
    ("Send the retainer proposal", 0, None, "urgent", "company"),
    ("Follow up on the workshop dates", -2, None, "medium", "contact"),
    ("Qualify the inbound enquiry", 0, time(15, 0), "medium", "lead"),
    ("Prepare the quarterly review deck", 2, None, "high", "company"),
    ("Check the brand guidelines feedback", 3, time(11, 0), "low", "contact"),
    ("Book the photo shoot", 4, None, "medium", "company"),
    ("Renewal reminder: confirm the budget", 9, None, "medium", "company"),
)


def seed_tasks_demo(tenant, *, owner, sellers) -> None:
    """Part of the CRM demo, which passes its owner (the actor) and its sellers."""
    rng = random.Random(f"tasks-{tenant.slug}")
    related = {
        "contact": list(db.session.scalars(select(Contact.id).order_by(Contact.created_at).limit(20))),
        "company": list(db.session.scalars(select(Company.id).order_by(Company.created_at).limit(10))),
        "lead": list(db.session.scalars(select(Lead.id).order_by(Lead.created_at).limit(10))),
    }
    today = today_local()
    for seller in sellers:
        for title, days, at, priority, kind in TASKS:
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
                actor=owner,
            )
        weekly = create_task(
            {
                "title": "Weekly pipeline review",
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
