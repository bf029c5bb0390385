"""Driving imports in tests: upload through the services, run the job as the scheduler does."""

import io

from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.core.extensions import db
from tests.conftest import in_tenant


def owner_of(tenant, role="owner"):
    return db.session.get(User, (tenant.id, tenant.users[role]))


def upload(app, tenant, content: bytes, *, name="people.csv", type_name="contact", role="owner"):
    from app.crm.imports.services import start_import

    with in_tenant(app, tenant.id):
        data_import = start_import(
            type_name, FileStorage(io.BytesIO(content), filename=name), actor=owner_of(tenant, role)
        )
        return data_import.id


def queue(app, tenant, import_id, *, mapping=None, dedupe="skip", dry_run=False, role="owner"):
    from app.crm.imports.services import get_import, queue_import, save_mapping

    with in_tenant(app, tenant.id):
        data_import = get_import(import_id)
        save_mapping(data_import, mapping or data_import.mapping, dedupe, actor=owner_of(tenant, role))
        queue_import(data_import, actor=owner_of(tenant, role), dry_run=dry_run)


def run_job(app, tenant, import_id, *, until_idle=True):
    """Run the import job the way the scheduler does, tick after tick, until it stops."""
    from app.jobs.runner import execute
    from app.jobs.tenant_jobs import tenant_job_id

    for _tick in range(100):
        with app.app_context():
            execute(
                tenant_job_id(tenant.id, "import", import_id),
                "app.crm.imports.jobs:run_import",
                tenant_id=str(tenant.id),
                object_id=str(import_id),
            )
            db.session.remove()
        state = status(app, tenant, import_id)
        if not until_idle or state["status"] not in ("queued", "running", "checking", "cancelling", "reverting"):
            return state
    raise AssertionError("the import never finished")


def status(app, tenant, import_id) -> dict:
    from app.crm.imports.models import DataImport

    with in_tenant(app, tenant.id):
        data_import = db.session.get(DataImport, (tenant.id, import_id))
        return {
            "status": data_import.status,
            "created": data_import.created_count,
            "updated": data_import.updated_count,
            "skipped": data_import.skipped_count,
            "failed": data_import.failed_count,
            "waiting": data_import.waiting_count,
            "rows_done": data_import.rows_done,
            "total": data_import.total_rows,
        }
