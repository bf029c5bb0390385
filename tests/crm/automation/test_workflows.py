"""Workflows: triggers from domain events after commit, AND/OR conditions, actions through the
kit, if/else, round robin, waits that survive a restart, replay, loop guard, test mode, the
plan's limit and feature, the pages and the API."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.crm.automations.engine import MAX_DEPTH, MAX_RUNS_PER_HOUR
from app.crm.automations.models import RunStatus
from app.crm.leads.models import Lead
from app.messaging.models import OutboxMessage
from tests.conftest import in_tenant
from tests.crm.automation.forms_helpers import fill_and_send, make_form
from tests.crm.automation.helpers import dispatch_events, run_due_jobs, scheduled_jobs, settle
from tests.crm.automation.workflow_helpers import make_workflow, owner_of, runs_of, step_logs
from tests.crm.conftest import timeline
from tests.crm.factories import make_lead, make_tag


def lead(app, tenant, lead_id) -> Lead:
    with in_tenant(app, tenant.id):
        row = db.session.get(Lead, (tenant.id, lead_id))
        tags = sorted(tag.name for tag in row.tags)
        notes = [item.body for item in timeline(lead_id, system=False)]
        db.session.expunge_all()
    row.tag_names, row.note_bodies = tags, notes
    return row


def test_new_lead_is_tagged_updated_and_noted_after_commit(app, tenant_a):
    tag_id = make_tag(app, tenant_a, name="Inbound")
    workflow_id = make_workflow(
        app,
        tenant_a,
        steps=[
            {"type": "add_tag", "params": {"tag_id": str(tag_id)}},
            {"type": "update_field", "params": {"field": "status", "value": "contacted"}},
            {"type": "create_note", "params": {"body": "Welcome pack sent."}},
        ],
    )
    lead_id = make_lead(app, tenant_a, name="Grace Hopper")
    assert runs_of(app, tenant_a) == []  # nothing runs inside the creating request
    dispatch_events(app, tenant_a)
    found = lead(app, tenant_a, lead_id)
    assert found.tag_names == ["Inbound"]
    assert found.status == "contacted"
    assert found.note_bodies == ["Welcome pack sent."]
    [run] = runs_of(app, tenant_a, workflow_id)
    assert (run.status, run.record_id, run.event_name) == (RunStatus.SUCCEEDED, lead_id, "lead.created")
    logs = step_logs(app, tenant_a, run.id)
    assert [(item.step_type, item.status) for item in logs] == [
        ("add_tag", "ok"),
        ("update_field", "ok"),
        ("create_note", "ok"),
    ]
    assert all(item.duration_ms >= 0 for item in logs)


def test_conditions_choose_which_records_enroll(app, tenant_a):
    conditions = {
        "match": "all",
        "rules": [{"field": "source", "op": "equals", "value": "website"}],
        "groups": [
            {
                "match": "any",
                "rules": [
                    {"field": "company_name", "op": "contains", "value": "navy"},
                    {"field": "estimated_value", "op": "greater_than", "value": "1000"},
                ],
            }
        ],
    }
    workflow_id = make_workflow(app, tenant_a, conditions=conditions)
    yes_company = make_lead(app, tenant_a, name="A", source="website", company_name="US Navy")
    yes_value = make_lead(app, tenant_a, name="B", source="website", estimated_value="5000")
    make_lead(app, tenant_a, name="C", source="website", company_name="Army")
    make_lead(app, tenant_a, name="D", source="referral", company_name="Navy")
    dispatch_events(app, tenant_a)
    assert sorted(str(run.record_id) for run in runs_of(app, tenant_a, workflow_id)) == sorted(
        [str(yes_company), str(yes_value)]
    )


def test_field_changed_to_a_value_triggers_only_that_change(app, tenant_a):
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "field_changed", "record_type": "lead", "field": "status", "value": "qualified"},
        steps=[{"type": "create_note", "params": {"body": "Qualified: book the demo."}}],
    )
    lead_id = make_lead(app, tenant_a)
    from app.crm.leads.services import get_lead, update_lead

    for status in ("contacted", "qualified"):
        with in_tenant(app, tenant_a.id):
            update_lead(get_lead(lead_id), {"status": status}, actor=owner_of(tenant_a))
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert run.event_name == "lead.updated"
    assert lead(app, tenant_a, lead_id).note_bodies == ["Qualified: book the demo."]


def test_if_else_follows_the_record(app, tenant_a):
    hot, cold = make_tag(app, tenant_a, name="Hot"), make_tag(app, tenant_a, name="Cold")
    make_workflow(
        app,
        tenant_a,
        steps=[
            {
                "type": "branch",
                "params": {
                    "match": "all",
                    "rules": [{"field": "estimated_value", "op": "greater_than", "value": "10000"}],
                },
                "then": [{"type": "add_tag", "params": {"tag_id": str(hot)}}],
                "else": [{"type": "add_tag", "params": {"tag_id": str(cold)}}],
            },
            {"type": "create_note", "params": {"body": "Sorted."}},
        ],
    )
    big = make_lead(app, tenant_a, name="Big", estimated_value="50000")
    small = make_lead(app, tenant_a, name="Small", estimated_value="500")
    dispatch_events(app, tenant_a)
    assert lead(app, tenant_a, big).tag_names == ["Hot"]
    assert lead(app, tenant_a, small).tag_names == ["Cold"]
    assert lead(app, tenant_a, small).note_bodies == ["Sorted."]


def test_round_robin_assigns_owners_in_turn(app, tenant_a):
    users = [str(tenant_a.users["sales"]), str(tenant_a.users["admin"])]
    make_workflow(app, tenant_a, steps=[{"type": "assign_owner", "params": {"user_ids": users}}])
    ids = [make_lead(app, tenant_a, name=f"Lead {n}") for n in range(4)]
    dispatch_events(app, tenant_a)
    owners = [str(lead(app, tenant_a, lead_id).owner_id) for lead_id in ids]
    assert owners == [users[0], users[1], users[0], users[1]]


def test_a_wait_survives_a_scheduler_restart(app, tenant_a):
    workflow_id = make_workflow(
        app,
        tenant_a,
        steps=[
            {"type": "wait", "params": {"amount": 2, "unit": "days"}},
            {"type": "create_note", "params": {"body": "Two days later: follow up."}},
        ],
    )
    lead_id = make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert run.status == RunStatus.WAITING
    [job] = scheduled_jobs(app, tenant_a, "automation.resume")
    assert abs(job["run_at"] - run.resume_at.timestamp()) < 1
    # The process that scheduled it is gone: only the stored job and run remain.
    with app.app_context():
        db.session.remove()
    assert run_due_jobs(app, tenant_a) == 0  # not due yet
    assert run_due_jobs(app, tenant_a, now=run.resume_at + timedelta(seconds=1)) == 1
    [run] = runs_of(app, tenant_a, workflow_id)
    assert run.status == RunStatus.SUCCEEDED
    assert lead(app, tenant_a, lead_id).note_bodies == ["Two days later: follow up."]


@pytest.fixture
def receiver(app, monkeypatch, httpserver):
    monkeypatch.setitem(app.config, "SSRF_ALLOWED_ADDRESSES", ["127.0.0.1"])
    return httpserver


def test_a_failed_run_is_replayed_from_the_failed_step(app, tenant_a, client_for, receiver):
    receiver.expect_ordered_request("/crm").respond_with_data("down", status=500)
    receiver.expect_ordered_request("/crm").respond_with_data("ok", status=200)
    workflow_id = make_workflow(
        app,
        tenant_a,
        steps=[
            {"type": "create_note", "params": {"body": "Before the call."}},
            {"type": "call_webhook", "params": {"url": f"http://127.0.0.1:{receiver.port}/crm"}},
            {"type": "create_note", "params": {"body": "After the call."}},
        ],
    )
    lead_id = make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert run.status == RunStatus.FAILED
    assert "HTTP 500" in run.error
    assert lead(app, tenant_a, lead_id).note_bodies == ["Before the call."]
    client = client_for(tenant_a)
    page = client.get(f"/automations/{workflow_id}/runs/{run.id}")
    assert b'data-testid="replay-run"' in page.data
    assert client.post(f"/automations/{workflow_id}/runs/{run.id}/replay").status_code == 302
    run_due_jobs(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 2)
    assert lead(app, tenant_a, lead_id).note_bodies == ["After the call.", "Before the call."]  # once each
    statuses = [(item.step_type, item.status) for item in step_logs(app, tenant_a, run.id)]
    assert statuses == [
        ("create_note", "ok"),
        ("call_webhook", "failed"),
        ("call_webhook", "ok"),
        ("create_note", "ok"),
    ]


def test_the_loop_guard_stops_workflows_that_trigger_each_other(app, tenant_a):
    for title in ("Head of sales", "Sales lead"):
        make_workflow(
            app,
            tenant_a,
            name=f"Set {title}",
            trigger={"type": "record_updated", "record_type": "lead"},
            steps=[{"type": "update_field", "params": {"field": "title", "value": title}}],
        )
    lead_id = make_lead(app, tenant_a)
    from app.crm.leads.services import get_lead, update_lead

    with in_tenant(app, tenant_a.id):
        update_lead(get_lead(lead_id), {"title": "Intern"}, actor=owner_of(tenant_a))
    for _ in range(30):
        if not dispatch_events(app, tenant_a):
            break
    runs = runs_of(app, tenant_a)
    executed = [run for run in runs if run.status != RunStatus.SKIPPED]
    assert len(executed) <= 2 * MAX_RUNS_PER_HOUR
    assert max(run.depth for run in executed) <= MAX_DEPTH
    assert any(run.status == RunStatus.SKIPPED and "Loop guard" in run.error for run in runs)
    assert dispatch_events(app, tenant_a) == 0  # it stopped


def test_form_submission_triggers_a_notification_to_the_team(app, tenant_a):
    from tests.conftest import host_client

    form_id = make_form(app, tenant_a)
    make_workflow(
        app,
        tenant_a,
        trigger={"type": "form_submitted", "form_id": str(form_id), "record_type": "lead"},
        steps=[{"type": "notify", "params": {"recipients": "admin", "message": "A new quote request came in."}}],
    )
    fill_and_send(host_client(app, tenant_a.base_url), form_id, {"name": "Ada", "email": "ada@example.com"})
    settle(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        [payload] = [message.payload for message in db.session.scalars(select(OutboxMessage))]
    assert payload["to"] == "admin@example.com"
    assert "A new quote request came in." in payload["text"]


def test_test_mode_shows_what_would_happen_and_changes_nothing(app, tenant_a, client_for):
    tag_id = make_tag(app, tenant_a, name="Inbound")
    workflow_id = make_workflow(
        app,
        tenant_a,
        steps=[
            {"type": "add_tag", "params": {"tag_id": str(tag_id)}},
            {"type": "update_field", "params": {"field": "status", "value": "contacted"}},
            {"type": "wait", "params": {"amount": 1, "unit": "hours"}},
            {"type": "notify", "params": {"recipients": "owner", "message": "Hello"}},
        ],
        active=False,
    )
    lead_id = make_lead(app, tenant_a, name="Grace")
    response = client_for(tenant_a).post(f"/automations/{workflow_id}/test", data={"record_id": str(lead_id)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Would add the tag Inbound" in html
    assert "Would set status to “contacted” (now “new”)" in html
    assert "Would email Owner Person" in html
    found = lead(app, tenant_a, lead_id)
    assert (found.tag_names, found.status) == ([], "new")
    assert runs_of(app, tenant_a) == []
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(OutboxMessage)) is None


def test_the_plan_limits_active_workflows_and_gates_the_feature(app, tenant_a, set_tenant, client_for, api_client_for):
    set_tenant(tenant_a, limit_overrides={"automations": 1})
    make_workflow(app, tenant_a, name="One")
    second = make_workflow(app, tenant_a, name="Two", active=False)
    client = client_for(tenant_a)
    assert client.post(f"/automations/{second}/active", data={"active": "1"}).status_code == 402
    api = api_client_for(tenant_a)
    refused = api.post(f"/api/v1/workflows/{second}/enable")
    assert refused.status_code == 402
    assert refused.get_json()["error"]["code"] == "plan_limit"
    set_tenant(tenant_a, feature_overrides={"automations": False})
    assert client.get("/automations").status_code == 402
    assert api.get("/api/v1/workflows").status_code == 402
    make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    assert runs_of(app, tenant_a) == []  # no feature: no runs


def test_builder_pages_make_a_working_workflow(app, tenant_a, client_for):
    client = client_for(tenant_a)
    created = client.post(
        "/automations",
        data={"name": "Welcome", "trigger_type": "record_created", "record_type": "lead", "match": "all"},
    )
    assert created.status_code == 302
    url = created.headers["Location"].split(tenant_a.host, 1)[-1]
    workflow_id = url.rsplit("/", 1)[1]
    assert client.post(f"{url}/steps", data={"type": "create_note", "param-body": "Hi!"}).status_code == 302
    assert client.post(f"{url}/steps", data={"type": "wait", "amount": "0", "unit": "hours"}).status_code == 422
    assert client.post(f"{url}/steps", data={"type": "update_field", "param-field": "password"}).status_code == 422
    assert client.post(f"{url}/active", data={"active": "1"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="workflow-state">On<' in page
    lead_id = make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    assert lead(app, tenant_a, lead_id).note_bodies == ["Hi!"]
    [run] = runs_of(app, tenant_a)
    log = client.get(f"/automations/{workflow_id}/runs/{run.id}", headers={"HX-Request": "true"})
    assert b'data-testid="run-status">Succeeded<' in log.data
    assert b"hx-trigger" not in log.data  # a finished run stops polling


def test_an_update_step_its_record_would_refuse_is_refused_when_it_is_added(app, tenant_a, client_for):
    """ "Update a field" took any value: an empty Name or the status "Hot" (a lead has none)
    made a step that failed every run reaching it. The record's field checks it when it is added."""
    client = client_for(tenant_a)
    created = client.post(
        "/automations",
        data={"name": "Tidy", "trigger_type": "record_created", "record_type": "lead", "match": "all"},
    )
    url = created.headers["Location"].split(tenant_a.host, 1)[-1]
    for field, value, message in (
        ("name", "", "Name is required."),
        ("status", "Hot", "Choose a valid status."),
        ("estimated_value", "lots", "Enter a number such as 1500 or 1500.50."),
    ):
        refused = client.post(f"{url}/steps", data={"type": "update_field", "param-field": field, "param-value": value})
        assert refused.status_code == 422, field
        assert message in refused.get_data(as_text=True)
    added = client.post(
        f"{url}/steps", data={"type": "update_field", "param-field": "status", "param-value": "contacted"}
    )
    assert added.status_code == 302
    cleared = client.post(f"{url}/steps", data={"type": "update_field", "param-field": "notes", "param-value": ""})
    assert cleared.status_code == 302  # emptying a field that may be empty is a step


def test_a_run_log_filter_with_no_runs_says_so_not_that_there_are_none_yet(app, tenant_a, client_for):
    """'Failed' with no failed run read 'No runs yet — Runs appear here when records meet a
    workflow's trigger.', as if nothing had ever run."""
    client = client_for(tenant_a)
    page = client.get("/automations/runs?status=failed").get_data(as_text=True)
    assert "No failed runs" in page
    assert "No run of any workflow is “Failed” now." in page
    assert 'href="/automations/runs">Show all runs<' in page
    assert "No runs yet" not in page
    assert 'href="/automations/runs?status=failed" aria-current="true"' in page
    assert "No runs yet" in client.get("/automations/runs").get_data(as_text=True)


def test_viewer_cannot_edit_workflows(app, tenant_a, client_for):
    workflow_id = make_workflow(app, tenant_a, active=False)
    viewer = client_for(tenant_a, "viewer")
    assert viewer.get("/automations").status_code == 403
    sales = client_for(tenant_a, "sales")
    assert sales.post(f"/automations/{workflow_id}/active", data={"active": "1"}).status_code == 403


def test_api_reads_workflows_and_runs(app, tenant_a, api_client_for):
    workflow_id = make_workflow(app, tenant_a, steps=[{"type": "create_note", "params": {"body": "x"}}])
    make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    api = api_client_for(tenant_a)
    assert api.get("/api/v1/workflows").get_json()["items"][0]["id"] == str(workflow_id)
    runs = api.get("/api/v1/workflows/runs").get_json()["items"]
    assert runs[0]["status"] == "succeeded"
    detail = api.get(f"/api/v1/workflows/{workflow_id}/runs/{runs[0]['id']}").get_json()
    assert detail["steps"][0]["step_type"] == "create_note"
    assert api.post(f"/api/v1/workflows/{workflow_id}/disable").get_json()["is_active"] is False
    read_only = api_client_for(tenant_a, scopes=["automations:read"])
    assert read_only.post(f"/api/v1/workflows/{workflow_id}/enable").status_code == 403


def test_other_tenants_events_do_not_enroll(app, tenant_a, tenant_b):
    make_workflow(app, tenant_a)
    make_lead(app, tenant_b)
    dispatch_events(app, tenant_b)
    dispatch_events(app, tenant_a)
    assert runs_of(app, tenant_a) == []
    assert runs_of(app, tenant_b) == []


def test_run_log_runs_a_bounded_number_of_queries(app, tenant_a, client_for, query_counter):
    make_workflow(app, tenant_a, steps=[{"type": "create_note", "params": {"body": "x"}}])
    client = client_for(tenant_a)
    make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    client.get("/automations/runs")  # the first request of a workspace fills caches (plan usage counters)
    with query_counter() as few:
        assert client.get("/automations/runs").status_code == 200
    for n in range(6):
        make_lead(app, tenant_a, name=f"L{n}")
    dispatch_events(app, tenant_a)
    with query_counter() as many:
        assert client.get("/automations/runs").status_code == 200
    assert many.count == few.count


def test_a_record_is_enrolled_once_at_a_time(app, tenant_a):
    from app.crm.automations.engine import enroll
    from app.crm.automations.models import Workflow
    from app.crm.leads.record import LEADS

    workflow_id = make_workflow(app, tenant_a, steps=[{"type": "wait", "params": {"amount": 1, "unit": "days"}}])
    lead_id = make_lead(app, tenant_a)
    dispatch_events(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        workflow = db.session.get(Workflow, (tenant_a.id, workflow_id))
        record = db.session.get(Lead, (tenant_a.id, lead_id))
        assert enroll(workflow, LEADS, record) is None  # it is waiting in the workflow already
    assert len(runs_of(app, tenant_a, workflow_id)) == 1


def test_events_queue_automation_deliveries_only_for_an_active_workflow_they_trigger(app, tenant_a):
    from app.core.events import EventDelivery
    from tests.crm.factories import make_contact

    def queued(kind):
        with in_tenant(app, tenant_a.id):
            statement = select(EventDelivery.record_key).where(EventDelivery.consumer == "automations")
            return [key for key in db.session.scalars(statement) if key.startswith(kind)]

    make_workflow(app, tenant_a, trigger={"type": "record_created", "record_type": "lead"}, active=False)
    make_lead(app, tenant_a)
    assert queued("lead") == []
    make_workflow(app, tenant_a, trigger={"type": "record_created", "record_type": "lead"})
    make_contact(app, tenant_a)  # an event no workflow waits for
    make_lead(app, tenant_a)
    assert len(queued("lead")) == 1
    assert queued("") == queued("lead")


def test_the_builder_names_what_steps_and_triggers_keep_by_id_or_key(app, tenant_a, client_for):
    """A step shows the tag, the users and who is told by name, a condition and a trigger the
    label of a choice, never the stored ids and keys."""
    hot = make_tag(app, tenant_a, name="Hot")
    users = [str(tenant_a.users["owner"]), str(tenant_a.users["sales"])]
    workflow_id = make_workflow(
        app,
        tenant_a,
        trigger={"type": "field_changed", "record_type": "lead", "field": "source", "value": "paid_ads"},
        steps=[
            {"type": "assign_owner", "params": {"user_ids": users}},
            {
                "type": "branch",
                "params": {"match": "all", "rules": [{"field": "source", "op": "equals", "value": "cold_outreach"}]},
                "then": [{"type": "add_tag", "params": {"tag_id": str(hot)}}],
                "else": [],
            },
            {"type": "notify", "params": {"recipients": "owner_of_record", "message": "Yours now."}},
        ],
    )
    page = html.unescape(client_for(tenant_a).get(f"/automations/{workflow_id}").get_data(as_text=True))
    assert "A lead's source changes to “Paid ads”" in page
    assert "Users, in turn: Owner Person, Sales Person" in page
    assert "Source is “Cold outreach”" in page
    assert "Tag: Hot" in page
    assert "Who: The record's owner · Message: Yours now." in page
    for code in (str(hot), *users, "paid_ads", "cold_outreach", "owner_of_record", "user_ids", "tag_id"):
        assert code not in page.split('data-testid="step"', 1)[1].split("Add a step", 1)[0], code


def test_the_run_page_reads_in_words_not_ids_and_json(app, tenant_a, client_for):
    """The run page names the users, the if/else path, the event and each step's status in
    words; it showed raw JSON with user ids, "ok" badges, "by lead.created" and the program's
    positions (1, 2, 5) as step numbers."""
    hot = make_tag(app, tenant_a, name="Hot")
    users = [str(tenant_a.users["sales"]), str(tenant_a.users["admin"])]
    workflow_id = make_workflow(
        app,
        tenant_a,
        steps=[
            {"type": "assign_owner", "params": {"user_ids": users}},
            {
                "type": "branch",
                "params": {"match": "all", "rules": [{"field": "source", "op": "equals", "value": "paid_ads"}]},
                "then": [{"type": "add_tag", "params": {"tag_id": str(hot)}}],
                "else": [],
            },
            {"type": "create_note", "params": {"body": "Sorted."}},
        ],
    )
    make_lead(app, tenant_a, name="Cold lead")
    dispatch_events(app, tenant_a)
    [run] = runs_of(app, tenant_a, workflow_id)
    page = html.unescape(client_for(tenant_a).get(f"/automations/{workflow_id}/runs/{run.id}").get_data(as_text=True))
    assert "Lead created" in page
    assert "lead.created" not in page
    for user_id in users:
        assert user_id not in page
    assert "Owner: " in page
    assert "If Source is “Paid ads”" in page
    assert "Went the “if no” way." in page
    assert "Note: Sorted." in page
    log = page.split('data-testid="run-log"', 1)[1]
    assert '{"' not in log
    assert ">ok<" not in log
    assert ">Done<" in log
    numbers = [cell.split("</td>")[0] for cell in page.split("<tr>\n        <td>")[1:]]
    assert numbers == ["1", "2", "3"]


def test_the_steps_read_in_words_wait_one_hour_and_step_two_point_one(app, tenant_a, client_for):
    """A one-hour wait reads "Wait 1 hour" (not "1 hours"), and the steps inside an if/else are
    numbered 2.1, 2.2 (not "2.yes.1"), everywhere the builder names them."""
    tag_id = make_tag(app, tenant_a, name="Hot")
    workflow_id = make_workflow(
        app,
        tenant_a,
        steps=[
            {"type": "wait", "params": {"amount": 1, "unit": "hours"}},
            {
                "type": "branch",
                "params": {"match": "all", "rules": [{"field": "source", "op": "equals", "value": "paid_ads"}]},
                "then": [
                    {"type": "add_tag", "params": {"tag_id": str(tag_id)}},
                    {
                        "type": "branch",
                        "params": {"match": "all", "rules": [{"field": "source", "op": "equals", "value": "web"}]},
                        "then": [],
                        "else": [],
                    },
                ],
                "else": [{"type": "wait", "params": {"amount": 3, "unit": "days"}}],
            },
        ],
    )
    page = html.unescape(client_for(tenant_a).get(f"/automations/{workflow_id}").get_data(as_text=True))
    assert "<strong>Wait</strong> 1 hour\n" in page
    assert "1 hours" not in page
    assert "3 days" in page
    assert ".yes." not in page
    assert ".no." not in page
    assert 'data-confirm="Remove step 2.1 (in step 2, if yes)?"' in page
    assert 'data-confirm="Remove step 2.1 (in step 2, if no)?"' in page
    assert "Step 2.2 (in step 2, if yes), if no" in page
