"""The logs of forms, workflows and webhooks show their times in the workspace's time zone and
written as every other page writes them ("10 Jan 2026, 12:04"): they showed UTC, sometimes
without saying so, and then ISO text ("2026-01-10 12:04") that read as a code."""

from datetime import UTC, datetime

from app.core.extensions import db
from app.crm.automations.models import RunStatus, WorkflowRun, WorkflowStepLog
from app.crm.forms.models import FormSubmission
from tests.conftest import in_tenant
from tests.crm.automation.forms_helpers import make_form
from tests.crm.automation.workflow_helpers import make_workflow

# 03:04 UTC is 12:04 in Tokyo (no daylight saving time there).
AT = datetime(2026, 1, 10, 3, 4, 5, tzinfo=UTC)


def test_form_and_workflow_logs_show_the_workspaces_time(app, tenant_a, set_tenant, client_for):
    set_tenant(tenant_a, timezone="Asia/Tokyo")
    form_id = make_form(app, tenant_a)
    workflow_id = make_workflow(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        submission = FormSubmission(form_id=form_id, data={"email": "a@example.com"}, status="spam", created_at=AT)
        run = WorkflowRun(
            workflow_id=workflow_id,
            record_type="lead",
            record_label="Ada",
            status=RunStatus.WAITING,
            started_at=AT,
            resume_at=AT,
        )
        db.session.add_all([submission, run])
        db.session.flush()
        wait = WorkflowStepLog(
            run_id=run.id,
            position=0,
            step_type="wait",
            status="waiting",
            input={"amount": 2, "unit": "days"},
            result={"resume_at": AT.isoformat()},
        )
        db.session.add(wait)
        db.session.commit()
        submission_id, run_id = submission.id, run.id
    client = client_for(tenant_a)
    pages = {
        f"/forms/{form_id}": "10 Jan 2026, 12:04",
        "/forms/submissions": "10 Jan 2026, 12:04",
        f"/forms/{form_id}/submissions/{submission_id}": "10 Jan 2026, 12:04:05",
        "/automations/runs": "10 Jan 2026, 12:04:05",
        f"/automations/{workflow_id}": "10 Jan 2026, 12:04",
        f"/automations/{workflow_id}/runs/{run_id}": "10 Jan 2026, 12:04:05",
    }
    for path, shown in pages.items():
        html = client.get(path).get_data(as_text=True)
        assert shown in html, path
        assert "03:04" not in html, path
        assert "2026-01-10" not in html, path
    run_page = client.get(f"/automations/{workflow_id}/runs/{run_id}").get_data(as_text=True)
    assert "Resumes 10 Jan 2026, 12:04" in run_page  # the wait step's result
    assert " UTC" not in run_page
