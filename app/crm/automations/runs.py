"""Runs of workflows: the run log (keyset pages, one run with its steps), replay of a failed
run, and test mode, which shows what a workflow would do for one record."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.permissions import check_permission, check_permission_if_acting
from app.core.audit import record_audit
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.lookups import get_child_or_404
from app.core.pagination import Sort, resolve_sort, sorted_page
from app.core.templating import localtime
from app.core.text import key_in_words, plural
from app.core.types import utcnow
from app.crm.automations import engine, test_mode
from app.crm.automations.actions import available_actions, describe_params
from app.crm.automations.conditions import condition_fields, condition_value_labels, describe
from app.crm.automations.models import RunStatus, Workflow, WorkflowRun, WorkflowStepLog
from app.crm.automations.services import trigger_record_type
from app.plans.services import check_feature, check_writable
from app.records.event_types import event_types
from app.records.registry import find_record_type

RUN_SORTS = {"-started_at": Sort("-started_at", WorkflowRun.started_at, True, "Newest first")}


def list_runs(*, workflow: Workflow | None = None, status=None, cursor=None, limit=None, sort=None):
    stmt = select(WorkflowRun).where(WorkflowRun.is_test.is_(False)).options(selectinload(WorkflowRun.workflow))
    if workflow is not None:
        stmt = stmt.where(WorkflowRun.workflow_id == workflow.id)
    if status:
        stmt = stmt.where(WorkflowRun.status == status)
    return sorted_page(db.session, stmt, WorkflowRun, resolve_sort(RUN_SORTS, sort, "-started_at"), cursor, limit)


def get_run(run_id, *, workflow: Workflow | None = None, actor=None) -> WorkflowRun:
    check_permission_if_acting(actor, "automations.view")
    return get_child_or_404(WorkflowRun, run_id, workflow, "workflow_id")


def run_steps(run: WorkflowRun) -> list[WorkflowStepLog]:
    return list(
        db.session.scalars(
            select(WorkflowStepLog)
            .where(WorkflowStepLog.run_id == run.id)
            .order_by(WorkflowStepLog.started_at, WorkflowStepLog.id)
        )
    )


STEP_STATUS_LABELS = {"ok": "Done", "failed": "Failed", "waiting": "Waiting", "skipped": "Skipped"}
STEP_STATUS_COLORS = {"ok": "success", "failed": "danger", "waiting": "info", "skipped": "secondary"}


def event_label(run: WorkflowRun) -> str:
    """What started a run, in words: "Form submitted", not "form.submitted"."""
    if not run.event_name:
        return "a replay"
    return event_types().get(run.event_name, key_in_words(run.event_name.replace(".", "_")))


def _result_text(step_type: str, result: dict) -> str:
    """A step's outcome as people read it: no ids, no JSON."""
    if step_type == "branch":
        return "Went the “if yes” way." if result.get("branch") == "then" else "Went the “if no” way."
    parts = []
    for key, value in (result or {}).items():
        if key == "ms" or key.endswith(("_id", "_ids")) or value in (None, "", [], {}):
            continue
        if key == "resume_at":
            parts.append(f"Resumes {_when(value)}")
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{key_in_words(name).lower()}: {item}" for name, item in value.items())
        parts.append(f"{key_in_words(key)}: {value}")
    return " · ".join(parts)


def _when(stamp) -> str:
    """A stored ISO time in the workspace's time zone, as the run log shows its times."""
    try:
        return localtime(datetime.fromisoformat(str(stamp)))
    except ValueError:
        return str(stamp)


def readable_steps(run: WorkflowRun) -> list[dict]:
    """The steps of a run as the run page shows them: the step's settings and result in words
    (names, not ids; no JSON), its status label and colour."""
    record_type = find_record_type(run.record_type) if run.record_type else None
    actions = available_actions(record_type)
    fields = condition_fields(record_type) if record_type else {}
    value_labels = condition_value_labels(record_type) if record_type else {}
    rows = []
    for number, log in enumerate(run_steps(run), start=1):
        params = log.input or {}
        if log.step_type == "branch":
            settings = f"If {describe(params, fields, value_labels)}"
        elif log.step_type == "wait":
            unit = str(params.get("unit") or "minutes").rstrip("s")
            settings = plural(int(params.get("amount") or 0), unit)
        elif log.step_type in actions:
            described = describe_params(actions[log.step_type], params, record_type)
            settings = " · ".join(f"{label}: {text}" for label, text in described)
        else:
            settings = ""
        rows.append(
            {
                "number": number,
                "label": log.label or key_in_words(log.step_type),
                "settings": settings,
                "status": STEP_STATUS_LABELS.get(log.status, log.status.capitalize()),
                "color": STEP_STATUS_COLORS.get(log.status, "secondary"),
                "result": _result_text(log.step_type, log.result or {}),
                "error": log.error,
                "duration_ms": log.duration_ms,
            }
        )
    return rows


def replay_run(run: WorkflowRun, *, actor) -> WorkflowRun:
    """Run a failed run again from the step that failed, as a job after this commit."""
    check_permission(actor, "automations.edit")
    check_feature("automations")
    check_writable()
    if run.status != RunStatus.FAILED:
        raise ValidationFailed("Only a failed run can be replayed.", details={"status": ["This run did not fail."]})
    if not run.workflow.is_active:
        raise ValidationFailed(
            "Turn the workflow on before replaying its runs.", details={"status": ["The workflow is off."]}
        )
    clash = db.session.scalar(
        select(WorkflowRun.id).where(
            WorkflowRun.workflow_id == run.workflow_id,
            WorkflowRun.record_id == run.record_id,
            WorkflowRun.status.in_(RunStatus.ACTIVE),
            WorkflowRun.is_test.is_(False),
        )
    )
    if clash is not None:
        raise ValidationFailed(
            "The record is in this workflow again already.", details={"status": ["Another run of it is active."]}
        )
    run.status = RunStatus.RUNNING
    run.error = None
    run.finished_at = None
    run.attempts += 1
    db.session.flush()
    engine.schedule_resume(run, utcnow())
    record_audit("workflow.run_replayed", actor=actor, target=run.workflow, details={"run": str(run.id)})
    return run


def test_workflow(workflow: Workflow, record_type_name: str, record_id, *, actor) -> list[dict]:
    """Test mode: what each step would do for a chosen record, with no side effects."""
    check_permission(actor, "automations.view")
    record_type = find_record_type(record_type_name)
    expected = trigger_record_type(workflow.trigger or {})
    if record_type is None or (expected is not None and record_type is not expected):
        raise ValidationFailed("Choose a record of the workflow's type.", details={"record_id": ["Wrong type."]})
    check_permission(actor, record_type.permission("view"))
    record = (
        db.session.get(record_type.model, (workflow.tenant_id, parse_uuid(record_id)))
        if parse_uuid(record_id)
        else None
    )
    if record is None:
        raise ValidationFailed("Choose a record.", details={"record_id": ["No such record."]})
    return test_mode.dry_run(workflow, record_type, record)


def recent_records(record_type, limit: int = 25) -> list[tuple[str, str]]:
    """(id, title) of the records last changed, to pick one for test mode."""
    if record_type is None:
        return []
    model = record_type.model
    rows = db.session.scalars(select(model).order_by(model.updated_at.desc(), model.id).limit(limit))
    return [(str(row.id), record_type.title_of(row)) for row in rows]
