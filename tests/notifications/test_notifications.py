"""The notification centre: who is told what, through which channel; the bell, the list, mark
read; the API; reminders sent once whoever runs their job, and late after downtime."""

import datetime as dt
import pickle

import pytest
import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.jobs.models import apscheduler_jobs
from app.jobs.runner import execute
from app.messaging.models import OutboxMessage
from app.notifications.models import Notification, Reminder
from tests.conftest import csrf_token_from, in_tenant, on_platform
from tests.crm.factories import make_contact
from tests.crm.tasks.factories import make_task


def _notifications(app, tenant, role=None):
    with in_tenant(app, tenant.id):
        stmt = select(Notification).order_by(Notification.created_at)
        if role:
            stmt = stmt.where(Notification.user_id == tenant.users[role])
        rows = list(db.session.scalars(stmt))
        return [(row.kind, row.title, row.url) for row in rows]


def _emails_to(app, tenant, address):
    with in_tenant(app, tenant.id):
        return [
            message.payload["subject"]
            for message in db.session.scalars(select(OutboxMessage))
            if message.payload["to"] == address
        ]


def test_a_task_assigned_to_someone_else_notifies_them_in_the_app_and_by_email(app, tenant_a):
    task_id = make_task(app, tenant_a, title="Prepare the pitch", owner_id=str(tenant_a.users["sales"]))
    [(kind, title, url)] = _notifications(app, tenant_a, "sales")
    assert kind == "task_assigned"
    assert "Prepare the pitch" in title
    assert url == f"/tasks/{task_id}"
    assert _emails_to(app, tenant_a, "sales@example.com") == ["Task assigned to you: Prepare the pitch"]
    make_task(app, tenant_a, title="My own")  # the owner assigns it to themselves: no notification
    assert _notifications(app, tenant_a, "owner") == []


def test_each_user_chooses_the_channel_per_kind(app, tenant_a, client_for):
    client = client_for(tenant_a, "sales")
    page = client.get("/notifications/settings")
    token = csrf_token_from(page.get_data(as_text=True))
    saved = client.post(
        "/notifications/settings",
        data={"csrf_token": token, "task_assigned": "email", "record_assigned": "none", "mention": "in_app"},
    )
    assert saved.status_code == 302
    bad = client.post("/notifications/settings", data={"csrf_token": token, "mention": "carrier-pigeon"})
    assert bad.status_code == 422
    make_task(app, tenant_a, title="Email only", owner_id=str(tenant_a.users["sales"]))
    make_contact(app, tenant_a, owner_id=str(tenant_a.users["sales"]))
    assert _notifications(app, tenant_a, "sales") == []
    assert _emails_to(app, tenant_a, "sales@example.com") == ["Task assigned to you: Email only"]


def test_a_record_assigned_and_a_mention_in_a_note(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a, owner_id=str(tenant_a.users["sales"]))
    from app.auth.models import User
    from app.crm.activities.services import log_activity

    with in_tenant(app, tenant_a.id):
        owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
        log_activity(
            {"type": "note", "body": "@sales can you call her? cc @nobody", "record_id": contact_id}, actor=owner
        )
    kinds = [(kind, url) for kind, _, url in _notifications(app, tenant_a, "sales")]
    assert kinds == [("record_assigned", f"/contacts/{contact_id}"), ("mention", f"/contacts/{contact_id}")]
    assert _notifications(app, tenant_a, "sales")[1][1] == "Owner Person mentioned you on Ada Lovelace"
    assert _notifications(app, tenant_a, "viewer") == []


@pytest.mark.parametrize(
    ("name", "email", "handle"),
    [
        ("Sam Sales", "sam@example.com", "sam.sales"),
        ("Ana María López", "ana@example.com", "ana.maría.lópez"),
        ("Émile Zola", "emile@example.com", "emile"),  # a handle starts with a letter a-z
        ("", "dev-ops@example.com", "dev-ops"),
        ("", "42@example.com", None),
    ],
)
def test_the_handle_the_note_box_offers_finds_its_user(name, email, handle):
    """The @ picker writes mention_handle(user); mentioned_users() must read it back as them."""
    from app.auth.models import User
    from app.notifications.services import MENTION, mention_handle

    user = User(name=name, email=email)
    assert mention_handle(user) == handle
    if handle:
        [typed] = MENTION.findall(f"Call her back, @{handle} please")
        assert typed == handle


def test_a_mention_written_by_the_picker_notifies_its_user(app, tenant_a):
    from app.auth.models import User
    from app.crm.activities.services import log_activity
    from app.notifications.services import mention_handle, mentioned_users

    with in_tenant(app, tenant_a.id):
        sales = db.session.get(User, (tenant_a.id, tenant_a.users["sales"]))
        assert [user.id for user in mentioned_users(f"@{mention_handle(sales)} can you call?")] == [sales.id]
        owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
        contact_id = make_contact(app, tenant_a)
        log_activity({"type": "note", "body": f"@{mention_handle(sales)} ping", "record_id": contact_id}, actor=owner)
    assert [kind for kind, _, _ in _notifications(app, tenant_a, "sales")] == ["mention"]


def test_bell_list_open_and_mark_read(app, tenant_a, client_for):
    make_task(app, tenant_a, title="One", owner_id=str(tenant_a.users["sales"]))
    task_id = make_task(app, tenant_a, title="Two", owner_id=str(tenant_a.users["sales"]))
    client = client_for(tenant_a, "sales")
    dashboard = client.get("/").get_data(as_text=True)
    assert 'data-testid="notification-bell"' in dashboard
    bell = client.get("/notifications/bell").get_data(as_text=True)
    assert 'data-testid="unread-count">2<' in bell
    listing = client.get("/notifications").get_data(as_text=True)
    assert "Task assigned to you: Two" in listing
    token = csrf_token_from(listing)
    with in_tenant(app, tenant_a.id):
        newest = db.session.scalar(select(Notification).order_by(Notification.created_at.desc()).limit(1))
        newest_id = newest.id
    opened = client.post(f"/notifications/{newest_id}/open", data={"csrf_token": token})
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/tasks/{task_id}")
    assert 'data-testid="unread-count">1<' in client.get("/notifications/bell").get_data(as_text=True)
    assert client.post("/notifications/read-all", data={"csrf_token": token}).status_code == 302
    assert 'data-testid="unread-count"' not in client.get("/notifications/bell").get_data(as_text=True)
    # Someone else's notification is missing, like one that never existed.
    other = client_for(tenant_a, "viewer")
    assert other.post(f"/notifications/{newest_id}/read", data={"csrf_token": token}).status_code == 404


def test_the_api_lists_and_marks_the_key_users_notifications(app, tenant_a, api_client_for):
    make_task(app, tenant_a, title="For the owner", owner_id=str(tenant_a.users["owner"]))
    from app.notifications.services import notify

    with in_tenant(app, tenant_a.id):
        notify(tenant_a.users["owner"], "mention", "Ada mentioned you")
        notify(tenant_a.users["sales"], "mention", "Not yours")
    api = api_client_for(tenant_a)
    items = api.get("/api/v1/notifications?unread=true").get_json()["items"]
    assert [item["title"] for item in items] == ["Ada mentioned you"]
    marked = api.post(f"/api/v1/notifications/{items[0]['id']}/read")
    assert marked.status_code == 200
    assert marked.get_json()["read_at"]
    assert api.post("/api/v1/notifications/read-all").get_json() == {"marked": 0}
    assert api.patch("/api/v1/notifications/preferences", json={"mention": "none"}).get_json()["mention"] == "none"
    assert api.patch("/api/v1/notifications/preferences", json={"mention": "fax"}).status_code == 422


# ---------------------------------------------------------------------------- reminders


def _jobs(app):
    with on_platform(app):
        rows = db.session.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.job_state)).all()
        return {row.id: pickle.loads(row.job_state) for row in rows}


def _run_reminder_jobs(app):
    results = []
    with app.app_context():
        for job_id, state in _jobs(app).items():
            if ":reminder:" in job_id:
                _, func_ref, tenant_id, object_id, kwargs = state["args"]
                results.append(execute(job_id, func_ref, tenant_id=tenant_id, object_id=object_id, kwargs=kwargs))
    return results


def test_reminders_are_scheduled_per_offset_and_follow_the_task(app, tenant_a, client_for):
    with time_machine.travel(dt.datetime(2030, 5, 15, 8, 0, tzinfo=dt.UTC), tick=False):
        task_id = make_task(
            app, tenant_a, title="Call Ada", due_date="2030-05-16", due_time="10:00", reminders=["15", "1440"]
        )
        jobs = _jobs(app)
        assert len(jobs) == 2
        assert all(job_id.startswith(f"tenant:{tenant_a.id}:reminder:") for job_id in jobs)
        # A late-run job: missed while no scheduler ran, it still runs once one starts.
        assert {state["misfire_grace_time"] for state in jobs.values()} == {None}
        with in_tenant(app, tenant_a.id):
            due = sorted(row.due_at for row in db.session.scalars(select(Reminder)))
        assert due == [dt.datetime(2030, 5, 15, 10, 0, tzinfo=dt.UTC), dt.datetime(2030, 5, 16, 9, 45, tzinfo=dt.UTC)]
        client = client_for(tenant_a)
        page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
        done = client.post(f"/tasks/{task_id}/done", data={"csrf_token": csrf_token_from(page)})
        assert done.status_code == 302
        assert _jobs(app) == {}


def test_a_reminder_is_sent_once_even_when_its_job_runs_twice(app, tenant_a):
    with time_machine.travel(dt.datetime(2030, 5, 15, 8, 0, tzinfo=dt.UTC), tick=False):
        make_task(app, tenant_a, title="Call Ada", due_date="2030-05-15", due_time="08:30", reminders=["15"])
    with time_machine.travel(dt.datetime(2030, 5, 15, 9, 30, tzinfo=dt.UTC), tick=False):  # an hour late
        first = _run_reminder_jobs(app)
        second = _run_reminder_jobs(app)
    assert first == [{"sent": True}]
    assert second == [{"sent": False}]
    reminders = [row for row in _notifications(app, tenant_a, "owner") if row[0] == "reminder"]
    assert len(reminders) == 1
    assert "Call Ada" in reminders[0][1]
    assert len([s for s in _emails_to(app, tenant_a, "owner@example.com") if "Call Ada" in s]) == 1


def test_a_sent_reminder_is_not_repeated_but_a_moved_task_is_reminded_again(app, tenant_a):
    from app.auth.models import User
    from app.crm.tasks.services import get_task, update_task

    with time_machine.travel(dt.datetime(2030, 5, 15, 8, 0, tzinfo=dt.UTC), tick=False):
        task_id = make_task(app, tenant_a, title="Call Ada", due_date="2030-05-15", due_time="08:30", reminders=["15"])
    with time_machine.travel(dt.datetime(2030, 5, 15, 8, 16, tzinfo=dt.UTC), tick=False):
        assert _run_reminder_jobs(app) == [{"sent": True}]

        def edit(data):
            with in_tenant(app, tenant_a.id):
                owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
                update_task(get_task(task_id), data, actor=owner)

        def reminders():
            with in_tenant(app, tenant_a.id):
                rows = db.session.scalars(select(Reminder).order_by(Reminder.due_at))
                return [(row.due_at.strftime("%H:%M"), row.sent_at is not None) for row in rows]

        edit({"title": "Call Ada Lovelace", "priority": "high"})  # same moment: nothing new
        assert reminders() == [("08:15", True)]
        edit({"due_time": "11:00"})  # moved: reminded again before the new time
        assert reminders() == [("10:45", False)]


def test_a_meeting_reminds_its_owner_and_user_attendees_once_and_a_cancelled_one_nobody(app, tenant_a):
    from app.auth.models import User
    from app.crm.calendar.services import get_meeting, update_meeting
    from tests.crm.calendar.factories import make_meeting

    sales = str(tenant_a.users["sales"])
    with time_machine.travel(dt.datetime(2030, 3, 5, 8, 0, tzinfo=dt.UTC), tick=False):
        make_meeting(app, tenant_a, title="Kick-off", attendees=[{"user_id": sales}], reminders=["15"])
        cancelled = make_meeting(app, tenant_a, title="Dropped", attendees=[{"user_id": sales}], reminders=["15"])
        with in_tenant(app, tenant_a.id):
            owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
            update_meeting(get_meeting(cancelled), {"status": "cancelled"}, actor=owner)
    with time_machine.travel(dt.datetime(2030, 3, 5, 9, 50, tzinfo=dt.UTC), tick=False):
        assert _run_reminder_jobs(app) == [{"sent": True}, {"sent": True}]
        assert _run_reminder_jobs(app) == [{"sent": False}, {"sent": False}]
    for role in ("owner", "sales"):
        reminders = [title for kind, title, _ in _notifications(app, tenant_a, role) if kind == "reminder"]
        assert len(reminders) == 1, (role, reminders)
        assert "Kick-off" in reminders[0]
    with in_tenant(app, tenant_a.id):
        bodies = set(db.session.scalars(select(Notification.body).where(Notification.kind == "reminder")))
    assert bodies == {"Meeting “Kick-off” starts in 15 minutes."}  # a meeting is not "due"


def test_the_notifications_list_documents_its_page_size(app, tenant_a, api_client_for):
    from app.notifications.services import PAGE_SIZE

    api = api_client_for(tenant_a)
    operation = api.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/notifications"]["get"]
    limit = next(parameter for parameter in operation["parameters"] if parameter["name"] == "limit")
    assert limit["schema"]["default"] == PAGE_SIZE
    assert api.get("/api/v1/notifications").status_code == 200


def test_an_assignment_names_who_made_it_as_the_team_knows_them(app, tenant_a):
    make_task(app, tenant_a, title="Prepare the pitch", owner_id=str(tenant_a.users["sales"]))
    with in_tenant(app, tenant_a.id):
        [body] = db.session.scalars(select(Notification.body).where(Notification.user_id == tenant_a.users["sales"]))
    # Not "… by owner@example.com": the audit trail keeps the address, people read a name.
    assert body == "Prepare the pitch was assigned to you by Owner Person."


def test_marking_one_read_in_place_updates_the_counts_on_the_page(app, tenant_a, client_for):
    from app.notifications.services import notify

    with in_tenant(app, tenant_a.id):
        first = notify(tenant_a.users["owner"], "mention", "Ada mentioned you").id
        notify(tenant_a.users["owner"], "mention", "Bea mentioned you")
    client = client_for(tenant_a)
    token = csrf_token_from(client.get("/notifications").get_data(as_text=True))
    marked = client.post(f"/notifications/{first}/read", data={"csrf_token": token}, headers={"HX-Request": "true"})
    html = marked.get_data(as_text=True)
    # The bell and the heading said 2 until the next poll: the answer now carries both, at 1.
    assert 'id="notification-bell" hx-swap-oob="true"' in html
    assert 'data-testid="unread-count">1<' in html
    assert 'id="unread-badge" hx-swap-oob="true"' in html
    assert "1 unread" in html


def test_reading_a_text_thread_reads_the_bells_sms_from_it(app, tenant_a, client_for):
    """Opening the conversation left its "SMS from …" notification unread: the bell kept asking
    about a text already read."""
    from tests.crm.messaging.factories import make_conversation

    conversation_id = make_conversation(app, tenant_a)

    def unread_sms():
        with in_tenant(app, tenant_a.id):
            return db.session.scalars(
                select(Notification.title).where(
                    Notification.user_id == tenant_a.users["owner"],
                    Notification.kind == "sms_received",
                    Notification.read_at.is_(None),
                )
            ).all()

    assert [title.startswith("SMS from") for title in unread_sms()] == [True]
    assert client_for(tenant_a).get(f"/inbox/{conversation_id}").status_code == 200
    assert unread_sms() == []
