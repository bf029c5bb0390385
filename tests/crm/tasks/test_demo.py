"""seed-demo gives every seller a day of their own: tasks due today, one overdue, a few this
week, and a week of meetings, without the team sharing one copied list."""

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.conftest import seed_demo


def test_each_seller_has_a_day_of_their_own(app, make_tenant):
    from app.crm.calendar.models import Meeting
    from app.crm.tasks.models import Task
    from app.records.normalize import workspace_today

    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id)
        today = workspace_today()
        tasks = defaultdict(list)
        for owner_id, title, due in db.session.execute(
            select(Task.owner_id, Task.title, Task.due_date).where(Task.status == "open")
        ):
            tasks[owner_id].append((title, due))
        meetings = defaultdict(set)
        for owner_id, title in db.session.execute(select(Meeting.owner_id, Meeting.title)):
            meetings[owner_id].add(title)
    assert len(tasks) == 3
    for owned in tasks.values():
        assert sum(due == today for _title, due in owned) >= 3
        assert any(due < today for _title, due in owned)
        assert any(today < due <= today + timedelta(days=7) for _title, due in owned)
    titles = [{title for title, _due in owned} for owned in tasks.values()]
    # Nobody's open tasks are somebody else's list again.
    assert all(not (mine & theirs) for index, mine in enumerate(titles) for theirs in titles[index + 1 :])
    assert len(meetings) == 3
    calendars = list(meetings.values())
    assert all(not (mine & theirs) for index, mine in enumerate(calendars) for theirs in calendars[index + 1 :])


def test_no_open_task_works_a_lead_that_is_lost_or_converted(app, make_tenant):
    """ "Qualify the inbound enquiry" about a lead marked lost reads as a broken demo."""
    from app.crm.leads.models import Lead
    from app.crm.tasks.models import Task

    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id)
        statuses = list(
            db.session.scalars(
                select(Lead.status)
                .join(Task, (Task.tenant_id == Lead.tenant_id) & (Task.related_id == Lead.id))
                .where(Task.status == "open")
            )
        )
    assert statuses
    assert set(statuses) <= {"new", "contacted", "qualified"}


def test_a_demo_seeded_at_the_weekend_has_the_coming_week_in_its_calendar(app, make_tenant):
    """Seeded on a Sunday, "this week's calendar" was all behind: nothing ahead to open."""
    import datetime as dt

    import time_machine

    from app.crm.calendar.models import Meeting

    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    sunday_evening = dt.datetime(2030, 12, 8, 20, 0, tzinfo=dt.UTC)
    with time_machine.travel(sunday_evening, tick=False), in_tenant(app, tenant.id):
        seed_demo(tenant.id)
        starts = list(db.session.scalars(select(Meeting.starts_at).where(Meeting.outcome == "")))
        held = list(db.session.scalars(select(Meeting.starts_at).where(Meeting.outcome == "held")))
    assert starts
    assert all(start.date() >= dt.date(2030, 12, 9) for start in starts)
    assert all(start.date() < dt.date(2030, 12, 8) for start in held)


def test_the_owners_bell_has_a_morning_of_teammates_work_in_it(app, make_tenant):
    """The owner made every demo record, so the bell held nothing from the team: a task handed
    over by a manager and a teammate's @-mention are there, unread, each from its author."""
    from app.auth.models import User
    from app.notifications.models import Notification, NotificationKind

    tenant = make_tenant("acme", roles=("owner", "manager", "sales"))
    with in_tenant(app, tenant.id):
        seed_demo(tenant.id)
        owner = db.session.get(User, (tenant.id, tenant.users["owner"]))
        kinds = {
            row.kind: row for row in db.session.scalars(select(Notification).where(Notification.user_id == owner.id))
        }
        assert set(kinds) >= {NotificationKind.TASK_ASSIGNED, NotificationKind.MENTION}
        assert all(row.read_at is None for row in kinds.values())
        assert "Send the revised statement of work" in kinds[NotificationKind.TASK_ASSIGNED].title
        assert "Thursday's call" in kinds[NotificationKind.MENTION].body
