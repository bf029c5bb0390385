"""An import of a file, the outcome of each of its rows, and saved column mappings."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.newest_first import newest_first_index
from app.core.statuses import StatusLabel
from app.core.types import JSONType
from app.crm.imports.reading import encoding_label


class ImportStatus:
    MAPPING = "mapping"  # uploaded; columns not confirmed yet
    CHECKING = "checking"  # dry run queued or running
    CHECKED = "checked"  # dry run done, nothing written
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"
    REVERTING = "reverting"
    REVERTED = "reverted"
    LABELS = {
        MAPPING: "Mapping columns",
        CHECKING: "Checking",
        CHECKED: "Checked",
        QUEUED: "Queued",
        RUNNING: "Importing",
        CANCELLING: "Cancelling",
        CANCELLED: "Cancelled",
        COMPLETED: "Completed",
        FAILED: "Failed",
        REVERTING: "Reverting",
        REVERTED: "Reverted",
    }
    # The scheduler is working on these: the page polls its progress.
    ACTIVE = (CHECKING, QUEUED, RUNNING, CANCELLING, REVERTING)


class DedupeMode:
    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"
    LABELS = {
        SKIP: "Skip rows that match an existing record",
        UPDATE: "Update the matching record",
        CREATE: "Create a new record anyway",
    }
    ALL = tuple(LABELS)


class RowStatus:
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    FAILED = "failed"
    WAITING = "waiting"  # over the plan's limit: imported after an upgrade
    REVERTED = "reverted"
    ALL = (CREATED, UPDATED, SKIPPED, FAILED, WAITING, REVERTED)
    LABELS = {
        CREATED: "Created",
        UPDATED: "Updated",
        SKIPPED: "Skipped",
        FAILED: "Failed",
        WAITING: "Waiting for an upgrade",
        REVERTED: "Reverted",
    }


class DataImport(TenantScoped, Timestamps, StatusLabel, Base):
    __tablename__ = "data_imports"
    __table_args__ = (
        tenant_foreign_key("created_by_id", "users"),
        newest_first_index("data_imports"),
    )
    __repr_label__ = ("file_name", "status")

    record_type: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    file_kind: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    encoding: Mapped[str] = mapped_column(String(16), default="")
    delimiter: Mapped[str] = mapped_column(String(1), default="")
    headers: Mapped[list] = mapped_column(JSONType, default=list)
    # {header: column key}; unmapped headers are left out
    mapping: Mapped[dict] = mapped_column(JSONType, default=dict)
    dedupe: Mapped[str] = mapped_column(String(8), default=DedupeMode.SKIP)
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.MAPPING)
    statuses = ImportStatus
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the job works through: "file" rows, rows left "waiting" by the plan, or a "revert".
    phase: Mapped[str] = mapped_column(String(8), default="file")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    # Rows handled so far (the next data row to read): the job resumes here after a restart.
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    waiting_count: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Seconds spent working (so rows/s is the job's speed, not the wait in the queue).
    busy_seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None]

    created_by = tenant_relationship("User", "created_by_id")

    @property
    def is_active(self) -> bool:
        return self.status in ImportStatus.ACTIVE

    @property
    def rows_per_second(self) -> float:
        return self.rows_done / self.busy_seconds if self.busy_seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """What is left of reading the file at its speed so far; None once the file is read
        (a revert and the waiting rows' import walk the import's rows, not the file)."""
        speed = self.rows_per_second
        if not speed or not self.is_active or self.phase != "file":
            return None
        return max(0.0, (self.total_rows - self.rows_done) / speed)

    @property
    def time_left(self) -> str | None:
        """The estimate in the unit people read it in: "18 s", "4 min", "2 h 5 min"."""
        left = self.seconds_left
        if left is None:
            return None
        seconds = round(left)
        if seconds < 60:
            return f"{max(1, seconds)} s"
        minutes = round(seconds / 60)
        if minutes < 60:
            return f"{minutes} min"
        return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"

    @property
    def encoding_label(self) -> str:
        return encoding_label(self.encoding)

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.total_rows) if self.total_rows else (100 if self.finished_at else 0)


class ImportRow(TenantScoped, StatusLabel, Base):
    """What happened to one data row. Unique per (import, row): a resumed job never writes a
    row twice. `cells` keeps the file's cells of failed and waiting rows (for the rejected
    rows file and the later import); `before` the values an update replaced (for revert)."""

    __tablename__ = "data_import_rows"
    statuses = RowStatus
    __table_args__ = (
        tenant_foreign_key("import_id", "data_imports", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "import_id", "row_number"),
        Index("ix_data_import_rows_tenant_import_status", "tenant_id", "import_id", "status", "row_number"),
        Index("ix_data_import_rows_tenant_record", "tenant_id", "record_id"),
    )

    import_id: Mapped[uuid.UUID]
    row_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    record_id: Mapped[uuid.UUID | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    cells: Mapped[list | None] = mapped_column(JSONType)
    before: Mapped[dict | None] = mapped_column(JSONType)


class ImportTemplate(TenantScoped, Timestamps, Base):
    """A named mapping of headers to columns, offered again for the next file of the type."""

    __tablename__ = "data_import_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "record_type", "name"),)

    record_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    mapping: Mapped[dict] = mapped_column(JSONType, default=dict)
    dedupe: Mapped[str] = mapped_column(String(8), default=DedupeMode.SKIP)
