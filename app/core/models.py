"""Declarative base, the TenantScoped mixin and helpers for composite tenant foreign keys."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry, relationship

from app.core.ids import uuid7
from app.core.types import JSONType, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime, dict: JSONType, list: JSONType, uuid.UUID: Uuid},
    )


class PlatformModel:
    """Marks a table that belongs to the platform, not to one tenant (plans, tenants, admins)."""

    __platform_table__ = True


class TenantScoped:
    """A row owned by one tenant: primary key (tenant_id, id), scoped on every ORM query."""

    __tenant_scoped__ = True

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, sort_order=-20
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7, sort_order=-10)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=100)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=101)


def is_tenant_scoped(cls) -> bool:
    return bool(getattr(cls, "__tenant_scoped__", False))


def tenant_foreign_key(column: str, target_table: str, **kwargs) -> ForeignKeyConstraint:
    """Composite foreign key `(tenant_id, column) -> target_table(tenant_id, id)`.

    The database itself then refuses a row that points into another tenant. There is no
    ON DELETE SET NULL here: it would null tenant_id too; the ORM nulls only `column`.
    """
    return ForeignKeyConstraint(["tenant_id", column], [f"{target_table}.tenant_id", f"{target_table}.id"], **kwargs)


def tenant_relationship(target: str, foreign_key: str, **kwargs):
    """Many-to-one relationship joined on both key columns, writing only `foreign_key`.

    Marking only the id column as foreign() means `child.parent = None` nulls the id and
    never touches tenant_id.
    """

    @declared_attr
    def make(cls):
        local = cls.__name__
        join = f"and_({local}.tenant_id == {target}.tenant_id, foreign({local}.{foreign_key}) == {target}.id)"
        if target == local:
            join = (
                f"and_({local}.tenant_id == remote({local}.tenant_id), "
                f"foreign({local}.{foreign_key}) == remote({local}.id))"
            )
        return relationship(target, primaryjoin=join, **kwargs)

    return make


def tenant_collection(target: str, foreign_key: str, **kwargs):
    """One-to-many counterpart of tenant_relationship(): `target.foreign_key` points at us."""

    @declared_attr
    def make(cls):
        local = cls.__name__
        join = f"and_({local}.tenant_id == {target}.tenant_id, {local}.id == foreign({target}.{foreign_key}))"
        if target == local:
            join = (
                f"and_({local}.tenant_id == remote({local}.tenant_id), "
                f"{local}.id == foreign(remote({local}.{foreign_key})))"
            )
        return relationship(target, primaryjoin=join, **kwargs)

    return make


__all__ = [
    "Base",
    "JSONType",
    "PlatformModel",
    "TenantScoped",
    "Timestamps",
    "is_tenant_scoped",
    "tenant_collection",
    "tenant_foreign_key",
    "tenant_relationship",
]
