"""The ORM session class: scopes every tenant statement, stamps new rows, routes platform scope.

Listeners are attached to TenantSession so every session the app makes (requests, jobs, CLI)
enforces the same rules.
"""

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from app.core.context import (
    CrossTenantWrite,
    NoTenantContext,
    get_current_tenant_id,
    in_platform_scope,
)
from app.core.models import TenantScoped, is_tenant_scoped

BOUND_ENGINE_KEY = "transaction_engine"


class TenantSession(FlaskSession):
    """Chooses the engine once per transaction: the platform role inside platform_scope()
    (BYPASSRLS, if configured), otherwise the app role subject to row-level security.

    The choice sticks until the transaction ends: two connections in one unit of work
    would not see each other's uncommitted rows and could wait on each other's locks.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None:
            engine = self.info.get(BOUND_ENGINE_KEY)
            if engine is not None:
                return engine
            if in_platform_scope() and "platform" in self._db.engines:
                return self._db.engines["platform"]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _touches_tenant_tables(state: ORMExecuteState) -> bool:
    return any(is_tenant_scoped(mapper.class_) for mapper in state.all_mappers)


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_current_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if in_platform_scope():
        return
    tenant_id = get_current_tenant_id()
    if tenant_id is None:
        if _touches_tenant_tables(state):
            raise NoTenantContext("tenant-scoped query with no tenant in context")
        return
    # `tenant_id` is a local: SQLAlchemy turns it into a bound parameter of the cached lambda.
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            propagate_to_loaders=True,
        )
    )


@event.listens_for(TenantSession, "before_flush")
def _stamp_and_guard_tenant(session, flush_context, instances) -> None:
    tenant_id = get_current_tenant_id()
    platform = in_platform_scope()
    for obj in session.new:
        if not is_tenant_scoped(type(obj)):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise NoTenantContext(f"new {type(obj).__name__} with no tenant in context")
            obj.tenant_id = tenant_id
        elif not platform and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")
    if platform:
        return
    for obj in list(session.dirty) + list(session.deleted):
        if is_tenant_scoped(type(obj)) and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(f"{type(obj).__name__} belongs to another tenant")


@event.listens_for(TenantScoped, "init", propagate=True)
def _stamp_on_construction(target, args, kwargs) -> None:
    """New rows belong to the tenant in context when they are made, not when they are flushed."""
    if kwargs.get("tenant_id") is None:
        tenant_id = get_current_tenant_id()
        if tenant_id is not None:
            kwargs["tenant_id"] = tenant_id


@event.listens_for(TenantSession, "after_begin")
def _set_row_level_security_tenant(session, transaction, connection) -> None:
    session.info.setdefault(BOUND_ENGINE_KEY, connection.engine)
    apply_rls_setting(connection)


@event.listens_for(TenantSession, "after_transaction_end")
def _release_engine_choice(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(BOUND_ENGINE_KEY, None)


def apply_rls_setting(connection) -> None:
    """Tell PostgreSQL which tenant this transaction serves (transaction-local: is_local=true)."""
    if connection.dialect.name != "postgresql":
        return
    tenant_id = get_current_tenant_id()
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant_id, true)"),
        {"tenant_id": str(tenant_id) if tenant_id else ""},
    )
