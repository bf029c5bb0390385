"""Running workflows: the after-commit consumer that enrolls records when events match a
trigger, the step runner with its log, waits as per-tenant jobs, and the loop guard.

A run executes the steps as they were when the record was enrolled (`program`, flattened
with jumps for if/else), one savepoint per step, so a failing step leaves nothing half done
and the run can be replayed from it. A wait stores the run and schedules a job at the
resume time in the job store: it survives restarts of the scheduler.
"""

import logging
import time
from contextvars import ContextVar
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.actors import SystemActor
from app.core.context import require_tenant_id
from app.core.errors import AppError
from app.core.events import batch_memo
from app.core.extensions import db
from app.core.types import json_safe, utcnow
from app.crm.automations.actions import ACTIONS, StepContext, StepFailed
from app.crm.automations.conditions import conditions_pass, record_values
from app.crm.automations.models import RunStatus, Workflow, WorkflowRun, WorkflowStepLog
from app.jobs.tenant_jobs import schedule_tenant_job
from app.plans.services import entitlements
from app.records.registry import find_record_type, record_types
from app.tenants.models import Tenant

log = logging.getLogger(__name__)

# The loop guard: an event caused by a run of depth N starts runs of depth N+1; past
# MAX_DEPTH nothing starts. And no record goes through one workflow more than
# MAX_RUNS_PER_HOUR times an hour, however the events reach it.
MAX_DEPTH = 5
MAX_RUNS_PER_HOUR = 10
MAX_STEPS_PER_PASS = 100
WAIT_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
RESUME_JOB = "automation.resume"

# (workflow id, run id, depth) of the run whose steps are executing in this context.
_current_run: ContextVar[tuple | None] = ContextVar("current_automation_run", default=None)


def stamp_automation_origin(event, record) -> None:
    """In-transaction subscriber: an event emitted by a workflow's step says so, with its depth."""
    current = _current_run.get()
    if current is None:
        return
    workflow_id, run_id, depth = current
    event.payload = {
        **(event.payload or {}),
        "automation": {"workflow_id": str(workflow_id), "run_id": str(run_id), "depth": depth},
    }


def event_depth(event) -> int:
    return int(((event.payload or {}).get("automation") or {}).get("depth", -1)) + 1


# ---------------------------------------------------------------------------- triggers


def trigger_event_name(trigger: dict) -> str | None:
    """The name of the event a trigger waits for (None for the time triggers, run by a job)."""
    trigger = trigger or {}
    kind = trigger.get("type")
    record_type = trigger.get("record_type")
    names = {
        "record_created": f"{record_type}.created",
        "record_updated": f"{record_type}.updated",
        "field_changed": f"{record_type}.updated",
        "form_submitted": "form.submitted",
        "event": trigger.get("event"),
    }
    return names.get(kind)


def trigger_matches(trigger: dict, event) -> bool:
    if event.name != trigger_event_name(trigger):
        return False
    kind = (trigger or {}).get("type")
    if kind == "field_changed":
        # A change, not a creation: the value is compared once the record is loaded.
        return trigger.get("field") in event.changes
    if kind == "form_submitted":
        return not trigger.get("form_id") or str(event.data.get("form_id")) == str(trigger.get("form_id"))
    return True


def workflows_listen_to(event_name: str) -> bool:
    """Whether an active workflow is triggered by `event_name` (the events consumer's
    `listening`: with none, an event queues no delivery for automations)."""
    return any(trigger_event_name(workflow.trigger) == event_name for workflow in active_workflows())


def _changed_to_value(trigger: dict, event, record_type) -> bool:
    """For "a field changes to a value": the event shows the new value as displayed (a
    choice's label), the trigger may name it by its key or by that label."""
    if trigger.get("type") != "field_changed" or not str(trigger.get("value") or "").strip():
        return True
    wanted = str(trigger["value"]).strip()
    field = record_type.field(trigger["field"])
    label = dict(getattr(field, "choices", None) or {}).get(wanted, wanted)
    shown = str((event.changes.get(trigger["field"]) or {}).get("new") or "").strip().lower()
    return shown in (wanted.lower(), str(label).lower())


def automation_actor(workflow, depth: int) -> SystemActor:
    """Workflows may read and change records of every type, and do what their steps need."""
    permissions = {"activities.view", *(need for action in ACTIONS.values() for need in action.needs)}
    for record_type in record_types():
        permissions.update(record_type.permission(action) for action in ("view", "create", "edit"))
    return SystemActor(f"Automation: {workflow.name}", permissions, details={"depth": depth})


# ---------------------------------------------------------------------------- programs


def flatten(steps: list, program: list | None = None) -> list:
    """Nested steps → a list of instructions; an if/else is a `branch` with `else_at` and a
    `jump` over the else block at the end of the then block."""
    program = [] if program is None else program
    for step in steps or []:
        if step.get("type") == "branch":
            branch = {"op": "branch", "type": "branch", "id": step.get("id"), "params": step.get("params") or {}}
            program.append(branch)
            flatten(step.get("then") or [], program)
            jump = {"op": "jump"}
            program.append(jump)
            branch["else_at"] = len(program)
            flatten(step.get("else") or [], program)
            jump["to"] = len(program)
        else:
            op = "wait" if step.get("type") == "wait" else "action"
            program.append(
                {"op": op, "type": step.get("type"), "id": step.get("id"), "params": step.get("params") or {}}
            )
    return program


def wait_delay(params: dict) -> timedelta:
    return timedelta(seconds=int(params.get("amount") or 0) * WAIT_UNITS.get(params.get("unit"), 60))


# ---------------------------------------------------------------------------- enrolment


def active_workflows() -> list[Workflow]:
    """The tenant's active workflows, read once per dispatch batch."""
    return batch_memo(
        "automations.active_workflows",
        lambda: list(db.session.scalars(select(Workflow).where(Workflow.is_active).order_by(Workflow.id))),
    )


def automations_allowed() -> bool:
    """The plan has automations and the workspace is not read-only (once per dispatch batch)."""

    def load() -> bool:
        granted = entitlements(db.session.get(Tenant, require_tenant_id()))
        return granted.has_feature("automations") and not granted.read_only

    return batch_memo("automations.allowed", load)


def _new_run(workflow: Workflow, record_type, record, **state) -> WorkflowRun:
    """A run of `record` through `workflow`, labelled with the record's title as it is now (the
    log still reads after the record is renamed or deleted)."""
    return WorkflowRun(
        workflow_id=workflow.id,
        record_type=record_type.name,
        record_id=record.id,
        record_label=record_type.title_of(record)[:300],
        **state,
    )


def enroll(
    workflow: Workflow, record_type, record, *, event=None, depth: int = 0, occasion: str = ""
) -> WorkflowRun | None:
    """Start a run for `record`, or None when it is already in this workflow: the partial
    unique index decides, so concurrent triggers cannot enroll it twice."""
    run = _new_run(
        workflow,
        record_type,
        record,
        event_id=getattr(event, "id", None),
        event_name=occasion or getattr(event, "name", "") or "",
        depth=depth,
        program=flatten(workflow.steps),
        status=RunStatus.RUNNING,
    )
    savepoint = db.session.begin_nested()
    try:
        db.session.add(run)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return run


def _recent_runs(workflows: list[Workflow], record) -> dict:
    """Runs of `record` through each of `workflows` in the last hour, in one query."""
    since = utcnow() - timedelta(hours=1)
    rows = db.session.execute(
        select(WorkflowRun.workflow_id, func.count(WorkflowRun.id))
        .where(
            WorkflowRun.workflow_id.in_([workflow.id for workflow in workflows]),
            WorkflowRun.record_id == record.id,
            WorkflowRun.started_at >= since,
            WorkflowRun.is_test.is_(False),
        )
        .group_by(WorkflowRun.workflow_id)
    )
    return dict(rows.all())


def _skip(workflow, record_type, record, event, depth, reason: str) -> WorkflowRun:
    run = _new_run(
        workflow,
        record_type,
        record,
        event_id=event.id,
        event_name=event.name,
        depth=depth,
        status=RunStatus.SKIPPED,
        finished_at=utcnow(),
        error=reason,
    )
    db.session.add(run)
    return run


def handle_event(event) -> int:
    """After-commit consumer of every domain event: enroll matching records, run them."""
    workflows = [workflow for workflow in active_workflows() if trigger_matches(workflow.trigger, event)]
    if not workflows or not automations_allowed():
        return 0
    record_type = find_record_type(event.record_type)
    record = db.session.get(record_type.model, (event.tenant_id, event.record_id)) if record_type else None
    if record is None:
        return 0
    depth = event_depth(event)
    values = record_values(record_type, record)
    workflows = [
        workflow
        for workflow in workflows
        if _changed_to_value(workflow.trigger, event, record_type) and conditions_pass(workflow.conditions, values)
    ]
    recent = _recent_runs(workflows, record) if workflows and depth <= MAX_DEPTH else {}
    started = 0
    for workflow in workflows:
        if depth > MAX_DEPTH:
            _skip(workflow, record_type, record, event, depth, f"Loop guard: {depth} workflows deep.")
            continue
        if recent.get(workflow.id, 0) >= MAX_RUNS_PER_HOUR:
            _skip(workflow, record_type, record, event, depth, f"Loop guard: {MAX_RUNS_PER_HOUR} runs in an hour.")
            continue
        run = enroll(workflow, record_type, record, event=event, depth=depth)
        if run is not None:
            started += 1
            execute(run)
    return started


# ---------------------------------------------------------------------------- execution


def _log(run, position, instruction, status, *, started, params=None, result=None, error=None, label=""):
    entry = WorkflowStepLog(
        run_id=run.id,
        position=position,
        step_type=instruction.get("type") or instruction.get("op"),
        label=label[:300],
        status=status,
        input=json_safe(params or {}),
        result=json_safe(result or {}),
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    db.session.add(entry)
    return entry


def _load_subject(run):
    record_type = find_record_type(run.record_type)
    record = db.session.get(record_type.model, (run.tenant_id, run.record_id)) if record_type else None
    return record_type, record


def execute(run: WorkflowRun, *, now=None) -> str:
    """Run steps from `run.position` until the end, a wait or a failure. Returns the status."""
    workflow = run.workflow
    record_type, record = _load_subject(run)
    if record is None:
        return _finish(run, RunStatus.FAILED, "The record no longer exists.")
    actor = automation_actor(workflow, run.depth)
    run.status = RunStatus.RUNNING
    token = _current_run.set((workflow.id, run.id, run.depth))
    try:
        for _ in range(MAX_STEPS_PER_PASS):
            if run.position >= len(run.program):
                return _finish(run, RunStatus.SUCCEEDED)
            instruction = run.program[run.position]
            op = instruction["op"]
            if op == "jump":
                run.position = instruction["to"]
                continue
            started = time.monotonic()
            values = record_values(record_type, record)
            if op == "branch":
                passed = conditions_pass(instruction["params"], values)
                _log(
                    run,
                    run.position,
                    instruction,
                    "ok",
                    started=started,
                    params=instruction["params"],
                    result={"branch": "then" if passed else "else"},
                    label="If/else",
                )
                run.position = run.position + 1 if passed else instruction["else_at"]
                continue
            if op == "wait":
                resume_at = (now or utcnow()) + wait_delay(instruction["params"])
                _log(
                    run,
                    run.position,
                    instruction,
                    "waiting",
                    started=started,
                    params=instruction["params"],
                    result={"resume_at": resume_at.isoformat()},
                    label="Wait",
                )
                run.position += 1
                return _wait(run, resume_at)
            if not _run_action(run, workflow, record_type, record, actor, instruction, values, started):
                return run.status
        return _finish(run, RunStatus.FAILED, f"More than {MAX_STEPS_PER_PASS} steps in one pass.")
    finally:
        _current_run.reset(token)


def _run_action(run, workflow, record_type, record, actor, instruction, values, started) -> bool:
    action = ACTIONS.get(instruction.get("type"))
    params = instruction.get("params") or {}
    if action is None:
        _log(run, run.position, instruction, "failed", started=started, params=params, error="Unknown action.")
        _finish(run, RunStatus.FAILED, f"Unknown action {instruction.get('type')}.")
        return False
    context = StepContext(workflow, run, record_type, record, actor, values=values)
    savepoint = db.session.begin_nested()
    try:
        result = action.run(context, params)
        savepoint.commit()
    except (AppError, StepFailed) as exc:
        savepoint.rollback()
        message = getattr(exc, "message", None) or str(exc)
        details = getattr(exc, "details", None) or getattr(exc, "result", None) or {}
        return _step_failed(run, instruction, action, started, params, error=message, summary=message, result=details)
    except Exception as exc:  # a bug in an action must fail the run, not the event dispatch
        savepoint.rollback()
        log.exception("workflow %s step %s failed", workflow.id, run.position)
        error = f"{type(exc).__name__}: {exc}"
        return _step_failed(run, instruction, action, started, params, error=error, summary="unexpected error")
    _log(run, run.position, instruction, "ok", started=started, params=params, result=result, label=action.label)
    run.position += 1
    return True


def _step_failed(run, instruction, action, started, params, *, error: str, summary: str, result=None) -> bool:
    """Log the step as failed with `error` and fail the run with "<action>: <summary>"; False, so
    the run goes no further."""
    _log(
        run,
        run.position,
        instruction,
        "failed",
        started=started,
        params=params,
        result=result,
        error=error[:2000],
        label=action.label,
    )
    _finish(run, RunStatus.FAILED, f"{action.label}: {summary}"[:2000])
    return False


def _finish(run, status: str, error: str | None = None) -> str:
    run.status = status
    run.error = error
    run.finished_at = utcnow()
    run.resume_at = None
    db.session.flush()
    return status


def _wait(run, resume_at) -> str:
    run.status = RunStatus.WAITING
    run.resume_at = resume_at
    db.session.flush()
    schedule_resume(run, resume_at)
    return run.status


def schedule_resume(run, when) -> None:
    # One job id per position: the fired job's removal by the scheduler never takes the next.
    schedule_tenant_job(
        require_tenant_id(),
        RESUME_JOB,
        f"{run.id}.{run.position}.{run.attempts}",
        "app.crm.automations.jobs:resume_run",
        "date",
        run_date=when,
        # Missed during an outage it still runs, late: dropped, the run would wait forever.
        late_runs=True,
    )


def resume(run: WorkflowRun) -> str:
    """The job body after a wait (or a replay): carry on from where the run stopped."""
    if run.status not in RunStatus.ACTIVE:
        return run.status
    run.resume_at = None
    # Turning a workflow off (or losing automations) must stop what it would still send; the
    # run says why, and a replay carries on from here once it may run again.
    if not run.workflow.is_active:
        return _finish(run, RunStatus.FAILED, "Stopped after its wait: the workflow was turned off.")
    if not automations_allowed():
        return _finish(
            run,
            RunStatus.FAILED,
            "Stopped after its wait: the workspace cannot run workflows now (its plan or its status).",
        )
    return execute(run)
