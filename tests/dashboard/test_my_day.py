"""My day on the dashboard: every section the CRM registers (tasks due today and overdue,
today's meetings, rotting deals, leads awaiting first contact), only the signed-in user's own
items, each section behind its permission, with a bounded number of queries."""

import datetime as dt

import time_machine

from app.core.extensions import db
from app.crm.deals.models import Deal
from tests.conftest import in_tenant
from tests.crm.calendar.factories import make_meeting
from tests.crm.deals.helpers import add_deals
from tests.crm.factories import make_lead
from tests.crm.tasks.factories import make_task

NOON = dt.datetime(2030, 5, 15, 12, 0, tzinfo=dt.UTC)


def _let_rot(app, tenant, deal_ids, days=30):
    with in_tenant(app, tenant.id):
        for deal_id in deal_ids:
            deal = db.session.get(Deal, (tenant.id, deal_id))
            deal.idle_since = NOON - dt.timedelta(days=days)


def _fill_my_day(app, tenant, prefix=""):
    make_task(app, tenant, title=f"{prefix}Chase the invoice", due_date="2030-05-14")
    make_task(app, tenant, title=f"{prefix}Send the proposal", due_date="2030-05-15", due_time="18:00")
    make_task(app, tenant, title=f"{prefix}Plan the offsite", due_date="2030-06-20")
    make_meeting(
        app,
        tenant,
        title=f"{prefix}Kick-off with Initech",
        starts_at="2030-05-15T14:00:00+00:00",
        ends_at="2030-05-15T15:00:00+00:00",
    )
    make_meeting(
        app,
        tenant,
        title=f"{prefix}Tomorrow's review",
        starts_at="2030-05-16T14:00:00+00:00",
        ends_at="2030-05-16T15:00:00+00:00",
    )
    stale, _fresh, won = add_deals(
        app,
        tenant,
        [
            {"name": f"{prefix}Stale rebrand", "value": "4500", "stage": "Negotiation"},
            {"name": f"{prefix}Fresh website", "value": "900", "stage": "Negotiation"},
            {"name": f"{prefix}Closed retainer", "value": "700", "stage": "Closed won"},
        ],
    )
    _let_rot(app, tenant, [stale, won])
    make_lead(app, tenant, name=f"{prefix}Grace Hopper")


def test_my_day_shows_every_section_with_only_my_items(app, tenant_a, tenant_b, client_for):
    with time_machine.travel(NOON, tick=False):
        _fill_my_day(app, tenant_a)
        _fill_my_day(app, tenant_b, prefix="Foreign ")
        (someone_elses,) = add_deals(app, tenant_a, [{"name": "Sales rep's deal", "stage": "Negotiation"}], "sales")
        _let_rot(app, tenant_a, [someone_elses])
        html = client_for(tenant_a).get("/").get_data(as_text=True)

    for key in ("tasks", "meetings", "deals", "leads"):
        assert f'data-testid="my-day-{key}"' in html
    assert html.index('data-testid="my-day-meetings"') < html.index('data-testid="my-day-deals"')
    assert html.index('data-testid="my-day-deals"') < html.index('data-testid="my-day-leads"')
    assert "Chase the invoice" in html
    assert "Send the proposal" in html
    assert "Plan the offsite" not in html
    assert "Kick-off with Initech" in html
    assert "Tomorrow&#39;s review" not in html
    assert html.count('data-testid="my-day-deal"') == 1
    assert "Stale rebrand" in html
    assert "idle for 30d" in html
    assert "Fresh website" not in html
    assert "Closed retainer" not in html
    assert "Sales rep" not in html
    assert "Grace Hopper" in html
    assert "Foreign" not in html


def test_rotting_deals_need_deals_view(app, tenant_a):
    from app.dashboard.my_day import my_day
    from tests.crm.deals.helpers import owner_of

    with time_machine.travel(NOON, tick=False):
        (stale,) = add_deals(app, tenant_a, [{"name": "Stale rebrand", "stage": "Negotiation"}])
        _let_rot(app, tenant_a, [stale])
        with in_tenant(app, tenant_a.id):
            user = owner_of(tenant_a)
            allowed = [section.key for section, _ in my_day(user, lambda permission: True)]
            denied = [section.key for section, _ in my_day(user, lambda permission: permission != "deals.view")]
    assert "deals" in allowed
    assert "deals" not in denied


def test_no_rotting_deals_hides_the_section(app, tenant_a, client_for):
    with time_machine.travel(NOON, tick=False):
        add_deals(app, tenant_a, [{"name": "Fresh website", "stage": "Negotiation"}])
        html = client_for(tenant_a).get("/").get_data(as_text=True)
    assert 'data-testid="my-day-deals"' not in html


def test_my_day_queries_do_not_grow_with_items(app, tenant_a, client_for, query_counter):
    with time_machine.travel(NOON, tick=False):
        _fill_my_day(app, tenant_a)
        client = client_for(tenant_a)
        client.get("/")
        with query_counter() as few:
            assert client.get("/").status_code == 200
        for round in range(3):
            _fill_my_day(app, tenant_a, prefix=f"More {round} ")
        with query_counter() as many:
            assert client.get("/").status_code == 200
    assert many.count == few.count


def test_a_cut_section_says_how_many_there_are_in_all(app, tenant_a, client_for, query_counter):
    with time_machine.travel(NOON, tick=False):
        for number in range(12):
            make_task(app, tenant_a, title=f"Overdue {number}", due_date="2030-05-14")
        make_task(app, tenant_a, title="Due this evening", due_date="2030-05-15", due_time="18:00")
        for number in range(11):
            make_lead(app, tenant_a, name=f"Waiting lead {number}")
        client = client_for(tenant_a)
        html = client.get("/").get_data(as_text=True)
        with query_counter() as some:
            client.get("/")
        for number in range(12, 30):
            make_task(app, tenant_a, title=f"Overdue {number}", due_date="2030-05-14")
            make_lead(app, tenant_a, name=f"Waiting lead {number}")
        with query_counter() as many:
            more_html = client.get("/").get_data(as_text=True)

    tasks = html[html.index('data-testid="my-day-tasks"') : html.index('data-testid="my-day-leads"')]
    assert tasks.count('data-testid="my-day-task"') == 11
    assert "Showing 11 of 13" in tasks
    assert 'href="/tasks?owner_id=me&amp;due=today_or_overdue"' in tasks
    leads = html[html.index('data-testid="my-day-leads"') :]
    assert leads.count('data-testid="my-day-lead"') == 10
    assert "Showing 10 of 11" in leads
    # The full list is the section's own: new leads only (a contacted one awaits no first contact).
    assert 'href="/leads?owner_id=me&amp;status=new&amp;awaiting_response=1"' in leads
    assert "Showing 11 of 31" in more_html
    assert "Showing 10 of 29" in more_html
    assert many.count == some.count


def test_a_whole_section_shows_no_total(app, tenant_a, client_for):
    with time_machine.travel(NOON, tick=False):
        _fill_my_day(app, tenant_a)
        html = client_for(tenant_a).get("/").get_data(as_text=True)
    assert "Showing" not in html


def test_a_day_with_nothing_due_says_so(app, tenant_a, client_for):
    with time_machine.travel(NOON, tick=False):
        make_task(app, tenant_a, title="Plan the offsite", due_date="2030-06-20")
        html = client_for(tenant_a).get("/").get_data(as_text=True)
    assert 'data-testid="my-day"' in html
    assert 'data-testid="my-day-empty"' in html
    assert "Nothing is due today" in html
    assert 'href="/tasks?owner_id=me&amp;state=active"' in html


def test_the_tasks_section_links_to_the_list_it_summarizes(app, tenant_a, client_for):
    """ "Showing 2 of 3" led to all my tasks still to do, next month's too: the list the
    section summarizes (mine, due today or overdue) had no filter of its own."""
    with time_machine.travel(NOON, tick=False):
        _fill_my_day(app, tenant_a)
        make_task(app, tenant_a, title="Call back before lunch", due_date="2030-05-15", due_time="09:00")
        make_task(app, tenant_a, title="Not mine", due_date="2030-05-14", owner_id=str(tenant_a.users["sales"]))
        client = client_for(tenant_a)
        listed = client.get("/tasks?owner_id=me&due=today_or_overdue").get_data(as_text=True)
        badge = client.get("/tasks/due-badge").get_data(as_text=True)
    assert 'data-testid="list-count">3 tasks match' in listed
    assert "Plan the offsite" not in listed
    assert "Not mine" not in listed
    assert ">3<" in badge


def test_texts_nobody_has_read_wait_in_my_day_until_their_thread_is_opened(app, tenant_a, tenant_b, client_for):
    from tests.crm.messaging.factories import make_conversation

    conversation_id = make_conversation(app, tenant_a)
    make_conversation(app, tenant_b)
    client = client_for(tenant_a)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="my-day-texts"' in html
    assert html.count('data-testid="my-day-text"') == 1  # the other agency's text is not ours
    assert f'href="/inbox/{conversation_id}"' in html
    assert "Hello" in html  # what it says
    # Who may not read texts is not shown them.
    from app.dashboard.my_day import my_day
    from tests.crm.deals.helpers import owner_of

    with in_tenant(app, tenant_a.id):
        user = owner_of(tenant_a)
        denied = [section.key for section, _ in my_day(user, lambda permission: permission != "messages.view")]
    assert "texts" not in denied
    # Reading the thread is replying's first step: the section empties.
    assert client.get(f"/inbox/{conversation_id}").status_code == 200
    assert 'data-testid="my-day-texts"' not in client.get("/").get_data(as_text=True)
