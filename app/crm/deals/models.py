"""Pipelines with ordered stages, deals (a record type), their contacts and stage history,
close reasons, monthly quotas, forecast snapshots and the tenant's forecast bands."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Double, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps, tenant_foreign_key, tenant_relationship
from app.core.types import JSONType, utcnow
from app.crm.fields.models import HasCustomFields
from app.crm.tags.models import Taggable
from app.records.indexes import filter_index, sort_index
from app.records.models import OwnedRecord, RecordModel, owner_table_args, record_table_args, tenant_child_rows


class StageKind:
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    LABELS = {OPEN: "Open", WON: "Won", LOST: "Lost"}
    ALL = tuple(LABELS)
    CLOSED = (WON, LOST)


class DealStatus:
    """A deal's status is its stage's kind: moving to a won or lost stage closes it."""

    OPEN = StageKind.OPEN
    WON = StageKind.WON
    LOST = StageKind.LOST
    LABELS = StageKind.LABELS
    ALL = StageKind.ALL


class Priority:
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    LABELS = {LOW: "Low", MEDIUM: "Medium", HIGH: "High"}
    ALL = tuple(LABELS)


class Pipeline(TenantScoped, Timestamps, Base):
    """A sales process: its stages in order. The first by position is the default."""

    __tablename__ = "pipelines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        Index("ix_pipelines_tenant_position", "tenant_id", "position"),
    )
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)

    stages = tenant_child_rows("Stage", "pipeline_id")


class Stage(TenantScoped, Timestamps, Base):
    """One column of a pipeline's board."""

    __tablename__ = "pipeline_stages"
    __table_args__ = (
        tenant_foreign_key("pipeline_id", "pipelines", ondelete="CASCADE"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_range"),
        CheckConstraint("rotting_days IS NULL OR rotting_days > 0", name="rotting_days_positive"),
        Index("ix_pipeline_stages_tenant_pipeline", "tenant_id", "pipeline_id", "position"),
    )
    __repr_label__ = ("name",)

    pipeline_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The probability a deal gets when it enters this stage (unless the deal overrides it).
    probability: Mapped[int] = mapped_column(Integer, default=0)
    color: Mapped[str] = mapped_column(String(7), default="#6c757d")
    # A deal idle longer than this in the stage is "rotting"; None: never.
    rotting_days: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default=StageKind.OPEN)

    pipeline = tenant_relationship("Pipeline", "pipeline_id", back_populates="stages")

    @property
    def is_closed(self) -> bool:
        return self.kind in StageKind.CLOSED


class DealReason(TenantScoped, Timestamps, Base):
    """A reason a deal was won or lost, from the tenant's own list."""

    __tablename__ = "deal_reasons"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "label"),
        Index("ix_deal_reasons_tenant_kind", "tenant_id", "kind", "position"),
    )
    __repr_label__ = ("kind", "label")

    kind: Mapped[str] = mapped_column(String(8))  # won or lost
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Deal(RecordModel, OwnedRecord, Taggable, HasCustomFields, Base):
    __tablename__ = "deals"
    __table_args__ = (
        *record_table_args("deals"),
        *owner_table_args("deals"),
        tenant_foreign_key("pipeline_id", "pipelines"),
        tenant_foreign_key("stage_id", "pipeline_stages"),
        tenant_foreign_key("company_id", "companies"),
        tenant_foreign_key("close_reason_id", "deal_reasons"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_range"),
        CheckConstraint("value >= 0", name="value_positive"),
        # The board: one stage's cards in order.
        Index("ix_deals_tenant_stage_rank", "tenant_id", "stage_id", "board_rank", "id"),
        sort_index("deals", "name"),
        sort_index("deals", "value"),
        sort_index("deals", "probability"),
        Index("ix_deals_tenant_status_close", "tenant_id", "status", "expected_close_date"),
        Index("ix_deals_tenant_status_closed_at", "tenant_id", "status", "closed_at"),
        Index("ix_deals_tenant_company", "tenant_id", "company_id", "id"),
        Index("ix_deals_tenant_pipeline", "tenant_id", "pipeline_id", "status"),
        filter_index("deals", "pipeline_id"),
        filter_index("deals", "expected_close_date"),
        filter_index("deals", "priority"),
        filter_index("deals", "source"),
        filter_index("deals", "status"),
    )
    __repr_label__ = ("name",)

    name: Mapped[str] = mapped_column(String(200))
    pipeline_id: Mapped[uuid.UUID]
    stage_id: Mapped[uuid.UUID]
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # The probability in force: the stage's default unless `probability_is_custom`.
    probability: Mapped[int] = mapped_column(Integer, default=0)
    probability_is_custom: Mapped[bool] = mapped_column(Boolean, default=False)
    expected_close_date: Mapped[date | None]
    priority: Mapped[str] = mapped_column(String(8), default=Priority.MEDIUM)
    company_id: Mapped[uuid.UUID | None]
    source: Mapped[str] = mapped_column(String(24), default="other")
    status: Mapped[str] = mapped_column(String(8), default=DealStatus.OPEN)
    close_reason_id: Mapped[uuid.UUID | None]
    close_note: Mapped[str] = mapped_column(String(1000), default="")
    closed_at: Mapped[datetime | None]
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Since when nothing happened to the deal (no change, no activity): rotting counts from here.
    idle_since: Mapped[datetime] = mapped_column(default=utcnow)
    # Order within the stage's column (ascending; fractional so a move writes one row).
    board_rank: Mapped[float] = mapped_column(Double, default=0.0)

    pipeline = tenant_relationship("Pipeline", "pipeline_id")
    stage = tenant_relationship("Stage", "stage_id")
    company = tenant_relationship("Company", "company_id")
    close_reason = tenant_relationship("DealReason", "close_reason_id")
    contact_links = tenant_child_rows("DealContact", "deal_id")

    @property
    def weighted_value(self) -> Decimal:
        return (self.value or Decimal(0)) * self.probability / 100

    @property
    def primary_contact(self):
        for link in self.contact_links:
            if link.is_primary:
                return link.contact
        return self.contact_links[0].contact if self.contact_links else None


class DealContact(TenantScoped, Base):
    """A contact involved in a deal; one of them is the primary."""

    __tablename__ = "deal_contacts"
    __table_args__ = (
        tenant_foreign_key("deal_id", "deals", ondelete="CASCADE"),
        tenant_foreign_key("contact_id", "contacts", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "deal_id", "contact_id"),
        Index("ix_deal_contacts_tenant_contact", "tenant_id", "contact_id"),
    )

    deal_id: Mapped[uuid.UUID]
    contact_id: Mapped[uuid.UUID]
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    contact = tenant_relationship("Contact", "contact_id")


class StageChange(TenantScoped, Base):
    """A deal entered a stage (its first stage on creation): who moved it, and when.

    Stage and user are kept by id and by name, without foreign keys: the history outlives a
    deleted stage and names who did it."""

    __tablename__ = "deal_stage_changes"
    __table_args__ = (
        tenant_foreign_key("deal_id", "deals", ondelete="CASCADE"),
        Index("ix_deal_stage_changes_tenant_deal", "tenant_id", "deal_id", "changed_at"),
        Index("ix_deal_stage_changes_tenant_changed", "tenant_id", "changed_at"),
    )

    deal_id: Mapped[uuid.UUID]
    from_stage_id: Mapped[uuid.UUID | None]
    from_stage_name: Mapped[str] = mapped_column(String(80), default="")
    to_stage_id: Mapped[uuid.UUID]
    to_stage_name: Mapped[str] = mapped_column(String(80))
    pipeline_name: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[uuid.UUID | None]
    user_label: Mapped[str] = mapped_column(String(254), default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Quota(TenantScoped, Timestamps, Base):
    """What one user should win in one month, in the workspace's currency."""

    __tablename__ = "sales_quotas"
    __table_args__ = (
        tenant_foreign_key("user_id", "users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "user_id", "month"),
        Index("ix_sales_quotas_tenant_month", "tenant_id", "month"),
        CheckConstraint("amount >= 0", name="amount_positive"),
    )

    user_id: Mapped[uuid.UUID]
    month: Mapped[date]  # the first day of the month
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    user = tenant_relationship("User", "user_id")


class ForecastSnapshot(TenantScoped, Base):
    """The forecast for one month as it stood on that month's first day (forecast accuracy)."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (UniqueConstraint("tenant_id", "month"),)

    month: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    weighted: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    best: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    likely: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    worst: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    open_value: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    # {"owners": {user id: weighted}, "pipelines": {pipeline id: weighted}}
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class ForecastSettings(TenantScoped, Timestamps, Base):
    """The probability bands of the commit categories: an open deal counts in "worst" from
    `worst_min`%, in "likely" from `likely_min`%, in "best" from `best_min`% (won deals always)."""

    __tablename__ = "forecast_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id", name="uq_forecast_settings_tenant"),
        CheckConstraint("best_min <= likely_min AND likely_min <= worst_min", name="bands_ordered"),
    )

    best_min: Mapped[int] = mapped_column(Integer, default=10)
    likely_min: Mapped[int] = mapped_column(Integer, default=50)
    worst_min: Mapped[int] = mapped_column(Integer, default=80)
