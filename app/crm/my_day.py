"""What the CRM adds to "my day" on the dashboard: my tasks due today or overdue, today's meetings,
my open deals gone idle longer than their stage allows, new leads nobody has contacted yet, and
the team's texts nobody has read."""

from datetime import datetime, time, timedelta

from app.core.types import utcnow
from app.crm.calendar.services import meetings_of_user_today
from app.crm.deals.services.deals import rotting_deals_of
from app.crm.leads.services import awaiting_first_contact
from app.crm.messaging.conversations import waiting_for_reply
from app.crm.tasks.services import my_tasks
from app.records.normalize import tenant_zone, workspace_today


def _tasks(user):
    data = my_tasks(user)
    return data if data["overdue"] or data["today"] else None


def _leads(user):
    leads = awaiting_first_contact(user)
    return {"leads": leads} if leads else None


def _deals(user):
    deals = rotting_deals_of(user)
    return {"deals": deals, "now": utcnow()} if deals else None


def _texts(user):
    # The inbox is the team's (its count in the top bar too): unread texts wait for whoever is in.
    conversations = waiting_for_reply()
    return {"conversations": conversations} if conversations else None


def _meetings(user):
    start = datetime.combine(workspace_today(), time.min, tzinfo=tenant_zone())
    meetings = meetings_of_user_today(user, day_start=start, day_end=start + timedelta(days=1))
    return {"meetings": meetings} if meetings else None


# (key, title, icon, template, load(user), permission, order): the wiring registers them.
SECTIONS = [
    ("tasks", "Tasks due today and overdue", "check2-square", "crm/tasks/_my_day.html", _tasks, "tasks.view", 10),
    ("meetings", "Today's meetings", "calendar-event", "crm/calendar/_my_day.html", _meetings, "meetings.view", 20),
    ("deals", "Deals going cold", "hourglass-bottom", "crm/deals/_my_day.html", _deals, "deals.view", 30),
    ("leads", "New leads waiting for you", "funnel", "crm/tasks/_my_day_leads.html", _leads, "leads.view", 40),
    ("texts", "Texts waiting for a reply", "chat-dots", "crm/messaging/_my_day.html", _texts, "messages.view", 50),
]
