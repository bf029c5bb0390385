"""Two real `flask jobs run` processes against one PostgreSQL database: a reminder due in a
few seconds is delivered exactly once (one notification, one email)."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.messaging.models import OutboxMessage
from app.notifications.models import Notification, Reminder
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.tasks.factories import make_task
from tests.jobs.test_scheduler_processes import _start_scheduler, _stop, _wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL (ATRIUM_TEST_DB=postgresql)"),
]


def test_two_schedulers_send_a_reminder_exactly_once(app, tenant_a, tmp_path):
    from app.notifications.reminders import sync_reminders

    task_id = make_task(app, tenant_a, title="Call Ada")
    with in_tenant(app, tenant_a.id):
        sync_reminders(task_id, utcnow() + timedelta(seconds=4), [tenant_a.users["owner"]], [0])
    processes = [_start_scheduler(app, tmp_path / f"{name}.log") for name in ("first", "second")]
    try:

        def sent():
            with in_tenant(app, tenant_a.id):
                return db.session.scalar(select(Reminder.sent_at))

        _wait_for(sent, timeout=40)
        time.sleep(3)  # room for a second, wrong, delivery
    finally:
        for process in processes:
            _stop(process)
    logs = "\n".join(path.read_text() for path in tmp_path.glob("*.log"))
    with in_tenant(app, tenant_a.id):
        notifications = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "reminder")
        )
        subjects = [message.payload["subject"] for message in db.session.scalars(select(OutboxMessage))]
    assert notifications == 1, logs
    assert subjects.count("Task now: Call Ada") == 1, (subjects, logs)
