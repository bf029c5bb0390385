"""Factories for export routes in the generated cross-tenant test."""

from tests.conftest import in_tenant
from tests.factories import arg_factory


@arg_factory("export_id")
def make_workspace_export(app, tenant):
    from app.core.extensions import db
    from app.crm.exports.models import WorkspaceExport

    with in_tenant(app, tenant.id):
        export = WorkspaceExport(status="done")
        db.session.add(export)
        db.session.flush()
        return export.id
