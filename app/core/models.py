"""Declarative base, the TenantScoped mixin, tenant link tables and the composite tenant keys and joins."""

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, MetaData, Table, Uuid, inspect
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

    # The attributes a model's repr shows after its class name, `<Deal Acme renewal>`; the
    # primary key when a model names none. "title!r" shows the value quoted, as f"{x!r}" would.
    __repr_label__: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        mapper = inspect(type(self))
        names = self.__repr_label__ or [mapper.get_property_by_column(column).key for column in mapper.primary_key]
        values = []
        for name in names:
            attribute, _, conversion = name.partition("!")
            value = getattr(self, attribute)
            values.append(repr(value) if conversion == "r" else str(value))
        return f"<{type(self).__name__} {' '.join(values)}>"


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


def tenant_link_table(name: str, *columns_and_constraints) -> Table:
    """A link table with no model of its own, keyed by tenant_id first like every tenant table.

    Its links point at their rows with tenant_foreign_key(), so a link can never join rows of
    two tenants, and a deleted tenant takes its links along.
    """
    tenant_id = Column("tenant_id", Uuid, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    return Table(name, Base.metadata, tenant_id, *columns_and_constraints)


def tenant_join(left, right):
    """The ON clause of a join on one key column pair within one tenant: `left = right` and the
    two rows' tenant_id equal, the pair a composite foreign key matches (and indexes)."""
    return (left.class_.tenant_id == right.class_.tenant_id) & (left == right)


def _tenant_join(local: str, target: str, local_column: str, target_column: str, *, key_on_target: bool) -> str:
    """The primaryjoin from `local` to `target` on tenant_id and one key column pair.

    Only the key column that points at the other row is marked foreign(), so setting or
    clearing the relationship writes that column and never tenant_id. When a model points at
    itself, the far side is marked remote() so SQLAlchemy can tell the two ends apart.
    """

    def far(column: str) -> str:
        return f"remote({target}.{column})" if target == local else f"{target}.{column}"

    near_key, far_key = f"{local}.{local_column}", far(target_column)
    if key_on_target:
        far_key = f"foreign({far_key})"
    else:
        near_key = f"foreign({near_key})"
    return f"and_({local}.tenant_id == {far('tenant_id')}, {near_key} == {far_key})"


def _tenant_joined_relationship(target: str, local_column: str, target_column: str, *, key_on_target: bool, **kwargs):
    @declared_attr
    def make(cls):
        join = _tenant_join(cls.__name__, target, local_column, target_column, key_on_target=key_on_target)
        return relationship(target, primaryjoin=join, **kwargs)

    return make


def tenant_relationship(target: str, foreign_key: str, **kwargs):
    """Many-to-one relationship joined on both key columns, writing only `foreign_key`.

    Marking only the id column as foreign() means `child.parent = None` nulls the id and
    never touches tenant_id.
    """
    return _tenant_joined_relationship(target, foreign_key, "id", key_on_target=False, **kwargs)


def tenant_collection(target: str, foreign_key: str, **kwargs):
    """One-to-many counterpart of tenant_relationship(): `target.foreign_key` points at us."""
    return _tenant_joined_relationship(target, "id", foreign_key, key_on_target=True, **kwargs)


__all__ = [
    "Base",
    "JSONType",
    "PlatformModel",
    "TenantScoped",
    "Timestamps",
    "is_tenant_scoped",
    "tenant_collection",
    "tenant_foreign_key",
    "tenant_link_table",
    "tenant_relationship",
]
