"""A candidate pair of records that may be the same, found by the duplicates job."""

import uuid

from sqlalchemy import Float, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamps


class PairStatus:
    OPEN = "open"
    DISMISSED = "dismissed"


class DuplicatePair(TenantScoped, Timestamps, Base):
    """`first_id` < `second_id`, so a pair is stored once whichever way it was found. No
    foreign keys to the records: a merge or delete removes its pairs itself."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "record_type", "first_id", "second_id"),
        Index("ix_duplicate_pairs_tenant_status_score", "tenant_id", "status", "score", "id"),
    )

    record_type: Mapped[str] = mapped_column(String(32))
    first_id: Mapped[uuid.UUID]
    second_id: Mapped[uuid.UUID]
    reason: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(12), default=PairStatus.OPEN)
