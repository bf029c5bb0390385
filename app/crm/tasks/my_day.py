"""What tasks and leads add to "my day" on the dashboard."""

from app.dashboard.my_day import MyDaySection


def _tasks(user):
    from app.crm.tasks.services import my_tasks

    data = my_tasks(user)
    return data if data["overdue"] or data["today"] else None


def _leads(user):
    from app.crm.leads.services import awaiting_first_contact

    leads = awaiting_first_contact(user)
    return {"leads": leads} if leads else None


SECTIONS = [
    MyDaySection(
        "tasks", "Tasks due today and overdue", "check2-square", "crm/tasks/_my_day.html", _tasks, "tasks.view", 10
    ),
    MyDaySection(
        "leads", "New leads waiting for you", "funnel", "crm/tasks/_my_day_leads.html", _leads, "leads.view", 40
    ),
]
