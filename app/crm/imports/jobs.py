"""The import job: the scheduler runs `run_import` every few seconds while an import is active.

Each run works through batches until the import is done, cancelled or the run's time is up.
A batch commits its records, the outcome of each of its rows and the position reached in one
transaction; a worker killed mid-batch loses only that uncommitted batch, and the next run
(in this process or the next scheduler) starts again from the committed position: no row
is written twice (rows are also unique per import) and none is skipped.
"""

import time
import uuid
from itertools import islice

from flask import current_app
from sqlalchemy import select

from app.core.bulk_rows import add_row, make_row, rows_written_together
from app.core.context import require_tenant_id
from app.core.database import allow_generic_plans, refresh_planner_statistics
from app.core.extensions import db
from app.core.transactions import commit_and_deliver
from app.core.types import utcnow
from app.crm.imports.models import DataImport, ImportRow, ImportStatus, RowStatus
from app.crm.imports.services import JOB_KIND, RowPlan, data_rows, import_type, job_user, storage_path
from app.jobs.tenant_jobs import cancel_tenant_job
from app.plans.services import entitlements
from app.records.services import delete_records, update_record
from app.tenants.models import Tenant

# Records made by one import after which the tables' planner statistics are refreshed.
STATISTICS_AT = (1_000, 10_000, 100_000, 500_000)
# Once an import ends so, its uploaded file is never read again (a dry run's and a cancelled
# import's are: they go back to their mapping and run again).
SOURCE_SPENT = (ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.REVERTED)

COUNTERS = {
    RowStatus.CREATED: "created_count",
    RowStatus.UPDATED: "updated_count",
    RowStatus.SKIPPED: "skipped_count",
    RowStatus.FAILED: "failed_count",
    RowStatus.WAITING: "waiting_count",
}


def run_import(import_id, **_ignored):
    """One run of the job: a dry run, an import, its waiting rows, or a revert."""
    data_import = db.session.get(DataImport, (require_tenant_id(), uuid.UUID(str(import_id))))
    if data_import is None or not data_import.is_active:
        _stop_job(import_id)
        return {"status": "idle"}
    if data_import.status == ImportStatus.CANCELLING:
        return _finish(data_import, ImportStatus.CANCELLED)
    try:
        if data_import.phase == "revert":
            return _revert(data_import)
        if data_import.phase == "waiting":
            return _import_waiting(data_import)
        return _import_file(data_import)
    except Exception as exc:
        db.session.rollback()
        data_import = db.session.get(DataImport, (require_tenant_id(), uuid.UUID(str(import_id))))
        # The error's own text may quote SQL or a path: the page says what happened, the log
        # (the job runner logs the exception raised below) says why.
        data_import.error = (
            f"an unexpected error ({type(exc).__name__}). The rows done before it are kept; "
            "the details are in the server's log."
        )
        _finish(data_import, ImportStatus.FAILED)
        raise


def _settings() -> tuple[int, float]:
    return current_app.config.get("IMPORT_BATCH_SIZE", 200), current_app.config.get("IMPORT_RUN_SECONDS", 60)


def _begin(data_import) -> None:
    if data_import.status == ImportStatus.QUEUED:
        data_import.status = ImportStatus.RUNNING
    if data_import.started_at is None:
        data_import.started_at = utcnow()
    commit_and_deliver()


def _import_file(data_import) -> dict:
    batch_size, run_seconds = _settings()
    _begin(data_import)
    plan = RowPlan(data_import, actor=job_user(data_import))
    # A dry run predicts which new records the plan's limit would leave waiting.
    room = None
    if data_import.dry_run and import_type(data_import).meter:
        room = entitlements(db.session.get(Tenant, data_import.tenant_id)).remaining(import_type(data_import).meter)
    deadline = time.monotonic() + run_seconds
    rows = data_rows(data_import, start=data_import.rows_done)
    made = data_import.created_count
    while True:
        batch = list(islice(rows, batch_size))
        if not batch:
            return _finish(data_import, ImportStatus.CHECKED if data_import.dry_run else ImportStatus.COMPLETED)
        started = time.monotonic()
        allow_generic_plans()
        with rows_written_together():
            if data_import.dry_run:
                _check_batch(data_import, plan, batch, room)
            else:
                for row in plan.write_batch(batch):
                    row.import_id = data_import.id
                    add_row(row)
                    _count(data_import, row.status, 1)
        made_before = made
        made = data_import.created_count
        data_import.rows_done = batch[-1][0] - 1
        data_import.busy_seconds += time.monotonic() - started
        commit_and_deliver()
        if any(made_before < mark <= made for mark in STATISTICS_AT):
            _refresh_statistics(data_import)
        if _cancel_requested(data_import):
            return _finish(data_import, ImportStatus.CANCELLED)
        if time.monotonic() > deadline:
            return {"status": data_import.status, "rows_done": data_import.rows_done}


def _check_batch(data_import, plan, batch, room: int | None) -> None:
    """Dry run of a batch: each row through the validator; failures and the rows the plan's
    limit would leave waiting are kept to show, nothing else is written."""
    rows = []
    for row_number, cells in batch:
        read = plan.read(cells)
        rows.append((row_number, cells, read, plan.values_of(read[0])))
    plan.look_up([value for *_row, values in rows for value in values])
    for row_number, cells, read, values in rows:
        outcome = plan.check(row_number, cells, read, values)
        status = outcome["status"]
        if status == RowStatus.CREATED and room is not None and data_import.created_count >= room:
            status = RowStatus.WAITING
            outcome["reason"] = "Over the plan's limit: would wait for an upgrade."
        if status in (RowStatus.FAILED, RowStatus.WAITING):
            add_row(
                make_row(
                    ImportRow, import_id=data_import.id, row_number=row_number, status=status, reason=outcome["reason"]
                )
            )
        _count(data_import, status, 1)


def _import_waiting(data_import) -> dict:
    """After an upgrade: the waiting rows, in file order, through the same row writer."""
    batch_size, run_seconds = _settings()
    _begin(data_import)
    plan = RowPlan(data_import, actor=job_user(data_import))
    deadline = time.monotonic() + run_seconds
    while True:
        batch = list(
            db.session.scalars(
                select(ImportRow)
                .where(ImportRow.import_id == data_import.id, ImportRow.status == RowStatus.WAITING)
                .order_by(ImportRow.row_number)
                .limit(batch_size)
            )
        )
        if not batch:
            return _finish(data_import, ImportStatus.COMPLETED)
        started = time.monotonic()
        allow_generic_plans()
        stuck = True
        with rows_written_together():
            outcomes = plan.write_batch([(row.row_number, row.cells or []) for row in batch])
        for row, outcome in zip(batch, outcomes, strict=True):
            if outcome.status != RowStatus.WAITING:
                stuck = False
            _count(data_import, row.status, -1)
            _count(data_import, outcome.status, 1)
            row.status, row.record_id, row.reason = outcome.status, outcome.record_id, outcome.reason or ""
            row.before = outcome.before
            row.cells = outcome.cells
        data_import.busy_seconds += time.monotonic() - started
        commit_and_deliver()
        if stuck:
            # Still over the limit: the rows keep waiting for a bigger plan.
            return _finish(data_import, ImportStatus.COMPLETED)
        if _cancel_requested(data_import):
            return _finish(data_import, ImportStatus.CANCELLED)
        if time.monotonic() > deadline:
            return {"status": data_import.status}


def _revert(data_import) -> dict:
    """Delete the records the import created; put back the values its updates replaced."""
    batch_size, run_seconds = _settings()
    record_type = import_type(data_import)
    actor = job_user(data_import)
    model = record_type.model
    deadline = time.monotonic() + run_seconds
    while True:
        batch = list(
            db.session.scalars(
                select(ImportRow)
                .where(
                    ImportRow.import_id == data_import.id,
                    ImportRow.status.in_((RowStatus.CREATED, RowStatus.UPDATED)),
                )
                # Last row first: a record the file updated twice gets the first update's
                # `before` last, which is what it had before the import.
                .order_by(ImportRow.row_number.desc())
                .limit(batch_size)
            )
        )
        if not batch:
            return _finish(data_import, ImportStatus.REVERTED)
        allow_generic_plans()
        ids = [row.record_id for row in batch if row.record_id is not None]
        records = {record.id: record for record in db.session.scalars(select(model).where(model.id.in_(ids)))}
        created = [
            records[row.record_id] for row in batch if row.status == RowStatus.CREATED and row.record_id in records
        ]
        delete_records(record_type, created, actor=actor)
        # A later row of the file may have updated a record an earlier one created: it is gone.
        deleted = {record.id for record in created}
        for row in batch:
            record = records.get(row.record_id)
            if row.status == RowStatus.UPDATED and record is not None and row.before and record.id not in deleted:
                update_record(record_type, record, row.before, actor=actor)
            row.status = RowStatus.REVERTED
        commit_and_deliver()
        if time.monotonic() > deadline:
            return {"status": data_import.status}


def _refresh_statistics(data_import) -> None:
    """The planner learns the tenant's new size as the import grows it (else a new workspace
    stays "a few rows" to it, and each batch's lookups walk the tenant's rows)."""
    record_type = import_type(data_import)
    children = [field.child_model for field in record_type.writable_fields if getattr(field, "collection", "")]
    refresh_planner_statistics(*(model.__tablename__ for model in (record_type.model, *children)))
    commit_and_deliver()


def _count(data_import, status: str, step: int) -> None:
    name = COUNTERS.get(status)
    if name:
        setattr(data_import, name, getattr(data_import, name) + step)


def _cancel_requested(data_import) -> bool:
    db.session.refresh(data_import, ["status"])
    return data_import.status == ImportStatus.CANCELLING


def _finish(data_import, status: str) -> dict:
    data_import.status = status
    data_import.finished_at = utcnow()
    _stop_job(data_import.id)
    commit_and_deliver()
    if status in SOURCE_SPENT:
        # Nothing reads the file again (waiting rows, the rejected rows and a revert work from
        # the import's rows): kept, it would hold every person in it long after an erasure.
        storage_path(data_import.tenant_id, data_import.id).unlink(missing_ok=True)
    return {"status": status, "rows_done": data_import.rows_done}


def _stop_job(import_id) -> None:
    cancel_tenant_job(require_tenant_id(), JOB_KIND, import_id)
