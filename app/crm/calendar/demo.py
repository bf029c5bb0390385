"""Demo meetings for `seed-demo`: this working week's calendar of every seller, with contacts invited,
a meeting held last week with its outcome, and two booking pages (the owner's, the sales team's)."""

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.crm.calendar.booking import create_booking_type
from app.crm.calendar.services import create_meeting
from app.crm.contacts.models import Contact
from app.records.normalize import tenant_zone, workspace_today

MEETINGS = (
    # (weekday offset from Monday, start, minutes, location, video)
    (0, time(9, 30), 60, "Studio, room 2", ""),
    (1, time(14, 0), 90, "", "https://meet.example.com/quarterly-review"),
    (2, time(11, 0), 45, "Studio, room 1", ""),
    (3, time(16, 0), 30, "", "https://meet.example.com/contract"),
    (4, time(10, 0), 60, "Client office", ""),
)
# Each seller's week (the sellers take these in turn), a title for each of MEETINGS.
WEEKS = (
    (
        "Kick-off: spring campaign",
        "Quarterly review",
        "Creative brainstorm",
        "Contract walkthrough",
        "Photo shoot planning",
    ),
    (
        "Kick-off: loyalty app",
        "Budget review",
        "Content calendar workshop",
        "Statement of work walkthrough",
        "Storyboard review",
    ),
    ("Kick-off: website refresh", "Account review", "Naming workshop", "Onboarding call", "Launch rehearsal"),
)
# Last week's call of each seller, held, with its outcome.
HELD = ("Discovery call", "Scoping call", "Intro call")


def seed_meetings_demo(tenant, *, owner, sellers) -> None:
    """Part of the CRM demo, which passes its owner (the actor) and its sellers."""
    rng = random.Random(f"meetings-{tenant.slug}")
    contacts = list(db.session.scalars(select(Contact).order_by(Contact.created_at).limit(20)))
    zone = tenant_zone()
    today = workspace_today()
    # The working week under way, or at the weekend the coming one: a calendar seeded on a
    # Sunday would otherwise hold nothing ahead.
    monday = today - timedelta(days=today.weekday()) if today.weekday() < 5 else today + timedelta(7 - today.weekday())
    for index, seller in enumerate(sellers):
        for title, (weekday, start, minutes, location, video) in zip(WEEKS[index % len(WEEKS)], MEETINGS, strict=True):
            begins = datetime.combine(monday + timedelta(days=weekday), start, tzinfo=zone) + timedelta(hours=index)
            guests = rng.sample(contacts, 2) if len(contacts) >= 2 else contacts
            create_meeting(
                {
                    "title": title,
                    "starts_at": begins,
                    "ends_at": begins + timedelta(minutes=minutes),
                    "timezone": zone.key,
                    "location": location,
                    "video_url": video,
                    "agenda": "1. Where we are\n2. Decisions needed\n3. Next steps",
                    "related_id": guests[0].id if guests else None,
                    "attendees": [{"contact_id": contact.id} for contact in guests]
                    + [{"user_id": other.id} for other in sellers if other is not seller][:1],
                    "owner_id": seller.id,
                    "reminders": ["15"],
                },
                actor=owner,
            )
        held = datetime.combine(monday - timedelta(days=4), time(15, 0), tzinfo=zone)
        create_meeting(
            {
                "title": HELD[index % len(HELD)],
                "starts_at": held,
                "ends_at": held + timedelta(minutes=45),
                "timezone": zone.key,
                "attendees": [{"contact_id": contacts[index].id}] if contacts else [],
                "related_id": contacts[index].id if contacts else None,
                "owner_id": seller.id,
                "outcome": "held",
                "notes": "They want a proposal for the autumn launch; budget confirmed.",
            },
            actor=owner,
        )
    create_booking_type(
        {
            "name": "Intro call",
            "slug": "intro-call",
            "description": "Twenty minutes to hear about your brand and what you need. No preparation needed.",
            "duration_minutes": 20,
            "timezone": zone.key,
            "availability": {day: [["09:00", "12:00"], ["14:00", "17:00"]] for day in ("mon", "tue", "wed", "thu")},
            "buffer_after_minutes": 10,
            "min_notice_minutes": 120,
            "max_days_ahead": 21,
            "daily_cap": 4,
            "location": "Video call",
            "video_url": f"https://meet.example.com/{tenant.slug}-intro-call",
        },
        actor=owner,
    )
    create_booking_type(
        {
            "name": "Talk to sales",
            "slug": "sales",
            "duration_minutes": 30,
            "timezone": zone.key,
            "availability": {day: [["10:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
            "member_ids": [str(seller.id) for seller in sellers],
        },
        actor=owner,
    )
    db.session.flush()
