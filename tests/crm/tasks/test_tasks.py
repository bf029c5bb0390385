"""Tasks: the declared type's pages and API, tick done, quick add from a record's page, the
board, recurrence (daylight-saving and month-end edges), and bounded queries."""

import datetime as dt
import re

import pytest
import time_machine
from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import csrf_token_from, in_tenant
from tests.crm.conftest import filter_labels
from tests.crm.factories import make_contact
from tests.crm.tasks.factories import make_task


def _task(app, tenant, task_id):
    from app.crm.tasks.models import Task

    with in_tenant(app, tenant.id):
        task = db.session.get(Task, (tenant.id, task_id))
        db.session.expunge(task)
        return task


def _tasks(app, tenant):
    from app.crm.tasks.models import Task

    with in_tenant(app, tenant.id):
        rows = list(db.session.scalars(select(Task).order_by(Task.due_at)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_task_is_created_listed_and_shown_with_its_related_record(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    page = client.get("/tasks/new")
    assert page.status_code == 200
    response = client.post(
        "/tasks/new",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "title": "Call Ada about the renewal",
            "due_date": "2030-03-04",
            "due_time": "14:30",
            "priority": "high",
            "status": "open",
            "related_id": str(contact_id),
            "recurrence": "",
            "reminders": "",
            "owner_id": str(tenant_a.users["sales"]),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Call Ada about the renewal" in shown
    assert "Ada Lovelace" in shown
    assert 'data-testid="related-link"' in shown
    assert "Assignee" in shown
    assert "Sales Person" in shown
    (task,) = _tasks(app, tenant_a)
    assert task.due_time == dt.time(14, 30)
    assert task.related_id == contact_id
    listing = client.get("/tasks?owner_id=" + str(tenant_a.users["sales"])).get_data(as_text=True)
    assert "Call Ada about the renewal" in listing


def test_bad_input_is_inline_422_not_a_500(app, tenant_a, client_for):
    client = client_for(tenant_a)
    page = client.get("/tasks/new")
    response = client.post(
        "/tasks/new",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "title": "Repeat me",
            "due_time": "25:99",
            "recurrence": "weekly",
            "reminders": "42",
            "related_id": "not-an-id",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Use a time like 14:30." in body
    assert "Choose an existing record" in body
    assert _tasks(app, tenant_a) == []


def test_the_api_creates_completes_and_validates_tasks(app, tenant_a, api_client_for):
    contact_id = make_contact(app, tenant_a)
    api = api_client_for(tenant_a)
    created = api.post(
        "/api/v1/tasks",
        json={
            "title": "Weekly check-in",
            "due_date": "2030-01-07",
            "due_time": "09:00",
            "recurrence": "weekly",
            "related_id": str(contact_id),
            "reminders": ["15"],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["due_time"] == "09:00"
    assert body["related_id"] == str(contact_id)
    assert body["reminders"] == ["15"]
    done = api.post(f"/api/v1/tasks/{body['id']}/complete")
    assert done.status_code == 200
    assert done.get_json()["status"] == "done"
    again = api.post(f"/api/v1/tasks/{body['id']}/complete")
    assert again.status_code == 200
    # A done task is not a way round the rule: a viewer may not complete it either.
    viewer = api_client_for(tenant_a, role="viewer").post(f"/api/v1/tasks/{body['id']}/complete")
    assert viewer.status_code == 403
    listed = api.get("/api/v1/tasks?state=active").get_json()["items"]
    assert [item["due_date"] for item in listed] == ["2030-01-14"]  # exactly one next occurrence
    bad = api.post("/api/v1/tasks", json={"title": "x", "priority": "whenever", "due_time": "10:00"})
    assert bad.status_code == 422
    details = bad.get_json()["error"]["details"]
    assert "priority" in details
    assert "due_time" in details
    spec = api.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/tasks/{task_id}/complete" in spec["paths"]


def test_ticking_done_in_place_and_the_completed_event_on_the_related_timeline(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    task_id = make_task(app, tenant_a, related_id=contact_id, title="Send the deck")
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact_id}?tab=tasks").get_data(as_text=True)
    assert "Send the deck" in page
    assert f'data-testid="tick-{task_id}"' in page
    response = client.post(
        f"/tasks/{task_id}/done", data={"csrf_token": csrf_token_from(page)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "bi-check-circle-fill" in response.get_data(as_text=True)
    assert _task(app, tenant_a, task_id).status == "done"
    timeline = client.get(f"/contacts/{contact_id}?tab=timeline").get_data(as_text=True)
    assert "Task completed: Send the deck" in timeline


def test_quick_add_from_a_record_page_links_the_task(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact_id}?tab=tasks").get_data(as_text=True)
    assert 'data-testid="quick-add-task"' in page
    response = client.post(
        "/tasks/quick-add",
        data={
            "csrf_token": csrf_token_from(page),
            "title": "Book the workshop",
            "due_date": "2030-02-01",
            "related_id": str(contact_id),
            "owner_id": str(tenant_a.users["owner"]),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "tasks-changed"
    assert "Book the workshop" in response.get_data(as_text=True)
    (task,) = _tasks(app, tenant_a)
    assert task.related_id == contact_id
    empty = client.post(
        "/tasks/quick-add",
        data={"csrf_token": csrf_token_from(page), "title": "", "related_id": str(contact_id)},
        headers={"HX-Request": "true"},
    )
    assert empty.status_code == 422
    assert "Title is required." in empty.get_data(as_text=True)


def test_a_viewer_sees_tasks_but_no_buttons_to_change_them(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    task_id = make_task(app, tenant_a, related_id=contact_id)
    viewer = client_for(tenant_a, "viewer")
    page = viewer.get(f"/contacts/{contact_id}?tab=tasks").get_data(as_text=True)
    assert "Send the proposal" in page
    assert 'data-testid="quick-add-task"' not in page
    assert f'data-testid="tick-{task_id}"' not in page
    assert viewer.post(f"/tasks/{task_id}/done", data={}).status_code in (400, 403)
    assert viewer.get("/tasks/board").status_code == 200


def test_board_moves_a_card_and_refuses_an_unknown_status(app, tenant_a, client_for):
    task_id = make_task(app, tenant_a)
    client = client_for(tenant_a)
    page = client.get("/tasks/board?who=team").get_data(as_text=True)
    assert f'data-testid="card-{task_id}"' in page
    token = csrf_token_from(page)
    moved = client.post(f"/tasks/{task_id}/move", data={"csrf_token": token, "status": "in_progress"})
    assert moved.status_code == 200
    assert moved.get_json()["status"] == "in_progress"
    refused = client.post(f"/tasks/{task_id}/move", data={"csrf_token": token, "status": "someday"})
    assert refused.status_code == 422
    assert _task(app, tenant_a, task_id).status == "in_progress"


def test_list_views_today_overdue_and_week(app, tenant_a, client_for):
    with time_machine.travel(dt.datetime(2030, 5, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        make_task(app, tenant_a, title="Due yesterday", due_date="2030-05-14")
        make_task(app, tenant_a, title="Due this morning", due_date="2030-05-15", due_time="08:00")
        make_task(app, tenant_a, title="Due tonight", due_date="2030-05-15", due_time="20:00")
        make_task(app, tenant_a, title="Due Sunday", due_date="2030-05-19")
        make_task(app, tenant_a, title="Due next month", due_date="2030-06-19")
        client = client_for(tenant_a)

        def titles(query):
            html = client.get("/tasks?" + query).get_data(as_text=True)
            return {
                title
                for title in ("Due yesterday", "Due this morning", "Due tonight", "Due Sunday", "Due next month")
                if title in html
            }

        assert titles("due=overdue") == {"Due yesterday", "Due this morning"}
        assert titles("due=today") == {"Due this morning", "Due tonight"}
        assert titles("due=week") == {"Due yesterday", "Due this morning", "Due tonight", "Due Sunday"}
        overdue_page = client.get("/tasks?due=overdue&columns=done").get_data(as_text=True)
        assert client.get("/tasks?due=sometime").status_code == 422
        assert "Due yesterday" in overdue_page


def test_tasks_list_and_tab_queries_are_bounded(app, tenant_a, client_for, query_counter):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    make_task(app, tenant_a, related_id=contact_id)
    client.get("/tasks")
    with query_counter() as few:
        assert client.get("/tasks").status_code == 200
    with query_counter() as few_tab:
        client.get(f"/contacts/{contact_id}/tabs/tasks", headers={"HX-Request": "true"})
    for index in range(12):
        make_task(app, tenant_a, related_id=contact_id, title=f"Task {index}", owner_id=str(tenant_a.users["sales"]))
    with query_counter() as many:
        assert client.get("/tasks").status_code == 200
    with query_counter() as many_tab:
        client.get(f"/contacts/{contact_id}/tabs/tasks", headers={"HX-Request": "true"})
    assert many.count == few.count, many.statements
    assert many_tab.count == few_tab.count, many_tab.statements


# ---------------------------------------------------------------------------- recurrence


def _complete(app, tenant, task_id):
    from app.auth.models import User
    from app.crm.tasks.services import complete_task, get_task

    with in_tenant(app, tenant.id):
        owner = db.session.get(User, (tenant.id, tenant.users["owner"]))
        complete_task(get_task(task_id), actor=owner)


def _set_zone(app, tenant, zone):
    from app.tenants.models import Tenant
    from tests.conftest import on_platform

    with on_platform(app):
        db.session.get(Tenant, tenant.id).timezone = zone


def test_completing_a_repeating_task_creates_the_next_and_its_series_ends(app, tenant_a):
    task_id = make_task(app, tenant_a, due_date="2030-01-31", recurrence="monthly", recurrence_until="2030-04-30")
    days = []
    for _ in range(4):
        active = [task for task in _tasks(app, tenant_a) if task.status == "open"]
        if not active:
            break
        days.append(active[0].due_date.isoformat())
        _complete(app, tenant_a, active[0].id)
    # Counted from the anchor: back to the 31st after short months; April 30 is the end.
    assert days == ["2030-01-31", "2030-02-28", "2030-03-31", "2030-04-30"]
    assert all(task.status == "done" for task in _tasks(app, tenant_a))
    _complete(app, tenant_a, task_id)  # done already: nothing new
    assert len(_tasks(app, tenant_a)) == 4


@pytest.mark.parametrize(
    ("zone", "first", "expected_utc_hours"),
    [
        # Berlin springs forward on 2030-03-31: 09:00 local is 08:00 UTC before, 07:00 after.
        ("Europe/Berlin", "2030-03-30", [8, 7, 7]),
        # New York falls back on 2030-11-03: 09:00 local is 13:00 UTC before, 14:00 after.
        ("America/New_York", "2030-11-02", [13, 14, 14]),
    ],
)
def test_a_daily_task_keeps_its_wall_clock_time_across_daylight_saving(app, tenant_a, zone, first, expected_utc_hours):
    _set_zone(app, tenant_a, zone)
    make_task(app, tenant_a, due_date=first, due_time="09:00", recurrence="daily")
    for _ in range(2):
        active = [task for task in _tasks(app, tenant_a) if task.status == "open"]
        _complete(app, tenant_a, active[0].id)
    tasks = _tasks(app, tenant_a)
    assert [task.due_time for task in tasks] == [dt.time(9, 0)] * 3
    assert [task.due_at.astimezone(dt.UTC).hour for task in tasks] == expected_utc_hours


def test_a_time_skipped_by_the_spring_forward_jump_is_still_a_moment(app, tenant_a):
    _set_zone(app, tenant_a, "Europe/Berlin")
    task_id = make_task(app, tenant_a, due_date="2030-03-31", due_time="02:30")
    task = _task(app, tenant_a, task_id)
    assert task.due_at.astimezone(dt.UTC) == dt.datetime(2030, 3, 31, 1, 30, tzinfo=dt.UTC)


def test_the_next_occurrence_of_a_yearly_task_on_february_29():
    from app.crm.tasks.recurrence import next_occurrence, occurrence_day

    assert occurrence_day(dt.date(2028, 2, 29), "yearly", 1, 1) == dt.date(2029, 2, 28)
    assert occurrence_day(dt.date(2028, 2, 29), "yearly", 1, 4) == dt.date(2032, 2, 29)
    assert next_occurrence(dt.date(2030, 1, 1), "weekly", 2, 0, until=dt.date(2030, 1, 14)) is None
    assert next_occurrence(dt.date(2030, 1, 1), "weekly", 2, 0, until=dt.date(2030, 1, 15)) == dt.date(2030, 1, 15)


def test_the_due_and_progress_filters_are_labelled_in_words(app, tenant_a, client_for):
    """The filter bar names each select as a person would, not with the API's description of
    the parameter ("overdue, today, week (this week, Monday to Sunday) or undated")."""
    labels = filter_labels(client_for(tenant_a).get("/tasks").get_data(as_text=True))
    assert (labels["due"], labels["state"]) == ("Due", "Progress")


def test_a_tasks_page_says_in_its_header_where_it_stands_and_when_it_is_due(app, tenant_a, client_for):
    """A task's header showed only its title: its status and due day were among the facts, which
    a phone now shows under Details."""
    task_id = make_task(app, tenant_a, title="Send the deck", due_date="2030-01-15", due_time="14:30")
    html = client_for(tenant_a).get(f"/tasks/{task_id}").get_data(as_text=True)
    header = html.split('data-testid="record-title"', 1)[1].split('class="record-actions"', 1)[0]
    assert 'data-testid="task-status">Open<' in header
    assert "Tue 15 Jan 2030 14:30" in header


def test_bulk_status_change_counts_the_tasks_it_changed(app, tenant_a, client_for):
    done, open_one = make_task(app, tenant_a, status="done"), make_task(app, tenant_a)
    client = client_for(tenant_a)
    token = csrf_token_from(client.get("/tasks/board?who=team").get_data(as_text=True))
    form = {"csrf_token": token, "action": "set_status", "ids": [done, open_one], "status": "done"}
    page = client.post("/tasks/bulk", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Status changed on 1 task." in page
    assert _task(app, tenant_a, open_one).status == "done"
    refused = client.post("/tasks/bulk", data={**form, "status": "someday"}, follow_redirects=True)
    assert "Choose a status." in refused.get_data(as_text=True)


def test_a_task_page_writes_its_due_date_as_its_other_dates(app, tenant_a, client_for):
    task_id = make_task(app, tenant_a, due_date="2030-01-15")
    html = client_for(tenant_a).get(f"/tasks/{task_id}").get_data(as_text=True)
    # "Added" reads "06 Dec 2026, 20:43"; the due date beside it read "2030-01-15".
    assert "15 Jan 2030" in html
    assert "2030-01-15" not in html


def test_a_converted_leads_open_tasks_follow_it_to_the_contact(app, tenant_a, client_for, api_client_for):
    from tests.crm.factories import make_lead

    lead_id = make_lead(app, tenant_a, email="grace@example.org")
    open_id = make_task(app, tenant_a, title="Book a discovery call", related_id=str(lead_id))
    done_id = make_task(app, tenant_a, title="Qualify the enquiry", related_id=str(lead_id), status="done")
    converted = api_client_for(tenant_a).post(f"/api/v1/leads/{lead_id}/convert", json={})
    contact_id = converted.get_json()["contact_id"]
    assert str(_task(app, tenant_a, open_id).related_id) == contact_id
    # What was done while it was a lead stays in the lead's history.
    assert _task(app, tenant_a, done_id).related_id == lead_id
    tab = client_for(tenant_a).get(f"/contacts/{contact_id}?tab=tasks").get_data(as_text=True)
    assert "Book a discovery call" in tab


def test_an_empty_tasks_tab_reads_as_a_sentence(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    tab = client_for(tenant_a).get(f"/contacts/{contact_id}?tab=tasks").get_data(as_text=True)
    assert "No tasks about this contact yet." in tab  # not "No tasks about contact yet."


def test_the_tasks_item_in_the_top_bar_counts_my_tasks_due_today_or_overdue(app, tenant_a, tenant_b, client_for):
    with time_machine.travel(dt.datetime(2030, 5, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        make_task(app, tenant_a, title="Due yesterday", due_date="2030-05-14")
        make_task(app, tenant_a, title="Due this evening", due_date="2030-05-15", due_time="18:00")
        make_task(app, tenant_a, title="Done already", due_date="2030-05-15", status="done")
        make_task(app, tenant_a, title="Due tomorrow", due_date="2030-05-16")
        make_task(app, tenant_a, title="Someone else's", due_date="2030-05-14", owner_id=str(tenant_a.users["sales"]))
        make_task(app, tenant_b, title="Foreign", due_date="2030-05-14")
        client = client_for(tenant_a)
        page = client.get("/").get_data(as_text=True)
        # The count waits for the page to load (no query on every page) and follows a tick.
        assert 'id="badge-tasks-due_badge"' in page
        assert "tasks-changed from:body" in page
        badge = client.get("/tasks/due-badge").get_data(as_text=True)
    assert 'data-testid="nav-badge"' in badge
    assert ">2<" in badge


def test_the_top_bars_counts_come_in_one_request(app, tenant_a, client_for):
    """Each page fetched /tasks/due-badge and /inbox/unread-badge, one request per count."""
    import re

    with time_machine.travel(dt.datetime(2030, 5, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        make_task(app, tenant_a, title="Due yesterday", due_date="2030-05-14")
        client = client_for(tenant_a)
        page = client.get("/").get_data(as_text=True)
        [(url, trigger)] = re.findall(r'hx-get="([^"]*badge[^"]*)" hx-trigger="([^"]*)"', page)
        assert url == "/nav/badges"
        # Loaded once, and again when a view says one of the counts changed.
        assert trigger == "load, inbox-changed from:body, tasks-changed from:body"
        counts = client.get(url).get_data(as_text=True)
    tasks = re.search(r'<span id="badge-tasks-due_badge" hx-swap-oob="innerHTML">(.*?)</span></span>', counts, re.S)
    assert tasks
    assert ">1<" in tasks.group(1)
    assert '<span id="badge-messaging-unread_badge" hx-swap-oob="innerHTML">' in counts


def test_ticking_a_task_in_place_tells_the_page_to_count_again(app, tenant_a, client_for):
    with time_machine.travel(dt.datetime(2030, 5, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        task_id = make_task(app, tenant_a, title="Due yesterday", due_date="2030-05-14")
        client = client_for(tenant_a)
        page = client.get("/tasks?owner_id=me&due=overdue").get_data(as_text=True)
        ticked = client.post(
            f"/tasks/{task_id}/done", data={"csrf_token": csrf_token_from(page)}, headers={"HX-Request": "true"}
        )
        assert ticked.headers["HX-Trigger"] == "tasks-changed"
        assert "data-testid" not in client.get("/tasks/due-badge").get_data(as_text=True)
        reopened = client.post(
            f"/tasks/{task_id}/reopen", data={"csrf_token": csrf_token_from(page)}, headers={"HX-Request": "true"}
        )
        assert reopened.headers["HX-Trigger"] == "tasks-changed"
        assert ">1<" in client.get("/tasks/due-badge").get_data(as_text=True)


def test_a_refused_quick_add_keeps_what_was_typed_and_says_why(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a)
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact_id}?tab=tasks").get_data(as_text=True)
    sales = str(tenant_a.users["sales"])
    bad_day = client.post(
        "/tasks/quick-add",
        data={
            "csrf_token": csrf_token_from(page),
            "title": "Call back about the quote",
            "due_date": "2030-02-31",
            "related_id": str(contact_id),
            "owner_id": sales,
        },
        headers={"HX-Request": "true"},
    )
    assert bad_day.status_code == 422
    tab = bad_day.get_data(as_text=True)
    assert 'value="Call back about the quote"' in tab
    assert 'value="2030-02-31"' in tab
    assert f'<option value="{sales}" selected>' in tab
    no_such_user = client.post(
        "/tasks/quick-add",
        data={"csrf_token": csrf_token_from(page), "title": "Chase", "related_id": str(contact_id), "owner_id": "nope"},
        headers={"HX-Request": "true"},
    )
    assert no_such_user.status_code == 422
    assert "Choose an active user of this workspace." in no_such_user.get_data(as_text=True)
    assert _tasks(app, tenant_a) == []


def test_the_top_bars_tasks_opens_my_open_tasks_and_all_stay_one_reset_away(app, tenant_a, client_for):
    """ "Tasks" opened every task of the team sorted by due date, so last week's done tasks came
    first; it opens the "Mine" view (my tasks still to do), and the list without filters is
    still there."""
    make_task(app, tenant_a, title="Done last week", due_date="2020-01-06", status="done")
    make_task(app, tenant_a, title="Mine to do", due_date="2020-01-08")
    client = client_for(tenant_a)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/tasks?owner_id=me&amp;state=active"' in page
    mine = client.get("/tasks?owner_id=me&state=active").get_data(as_text=True)
    assert "Mine to do" in mine
    assert "Done last week" not in mine
    assert 'aria-current="page">Mine<' in mine
    assert "Done last week" in client.get("/tasks").get_data(as_text=True)


def test_an_overdue_task_says_so_in_words_not_only_in_red(app, tenant_a, client_for):
    make_task(app, tenant_a, title="Chase the invoice", due_date="2020-03-02")
    html = client_for(tenant_a).get("/tasks").get_data(as_text=True)
    due = html.split('data-testid="overdue">', 1)[1]
    spoken = " ".join(re.sub(r"<[^>]+>", " ", due).split())  # what a screen reader reads from there
    assert spoken.startswith("Overdue: Mon 02 Mar 2020")  # the red and the icon alone said nothing


def test_a_read_only_workspace_offers_no_quick_add_or_tick_it_would_refuse(app, make_tenant, set_tenant, client_for):
    """Quick add and the ticks are HTMX posts: in a read-only workspace each got a 403 that
    swapped nothing, so the typed task stayed put and nothing said why."""
    tenant = make_tenant("frozentasks")
    contact_id = make_contact(app, tenant)
    task_id = make_task(app, tenant, related_id=contact_id)
    set_tenant(tenant, status="suspended", status_reason="Held for review")
    page = client_for(tenant).get(f"/contacts/{contact_id}?tab=tasks").get_data(as_text=True)
    assert 'data-testid="quick-add-task"' not in page
    assert 'data-testid="quick-add-submit-disabled"' in page
    assert "suspended by Atrium" in page
    assert f'data-testid="tick-{task_id}"' not in page
    assert 'aria-label="Not done"' in page
