"""What imports keep about a record, for the privacy tools: the rows that created or updated
it, with the values an update replaced (`before`, what a revert puts back) and the file's
cells. `app/wiring.py` registers these as the privacy package's export and erase hooks."""

from sqlalchemy import select, update

from app.core.extensions import db
from app.core.models import tenant_join
from app.crm.imports.models import DataImport, ImportRow


def export_import_data(record_type, record) -> dict:
    """Privacy export hook: each import row about the record."""
    rows = db.session.execute(
        select(ImportRow, DataImport.file_name)
        .join(DataImport, tenant_join(DataImport.id, ImportRow.import_id))
        .where(ImportRow.record_id == record.id)
        .order_by(DataImport.created_at, ImportRow.row_number)
    ).all()
    return {
        "import_rows": [
            {"file": file_name, "row": row.row_number, "status": row.status, "before": row.before, "cells": row.cells}
            for row, file_name in rows
        ]
    }


def erase_import_data(record_type, record) -> None:
    """Privacy erase hook: the rows keep their status (the import's counts hold) but lose the
    snapshots, so reverting the import cannot bring erased values back."""
    db.session.execute(
        update(ImportRow)
        .where(ImportRow.record_id == record.id)
        .values(before=None, cells=None)
        .execution_options(synchronize_session=False)
    )
