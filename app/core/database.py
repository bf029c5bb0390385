"""Engine-level setup: SQLite pragmas, PostgreSQL's custom plans, and keeping its RLS setting in step."""

from flask import has_app_context
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from app.core.context import on_context_change, on_leaving_context
from app.core.extensions import db
from app.core.session import apply_rls_setting


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _custom_plans_only(dbapi_connection, connection_record) -> None:
    """PostgreSQL plans every statement of a tenant request for its own values, never with a
    cached generic plan.

    psycopg prepares a statement it has run five times, and PostgreSQL may then switch to one
    plan for every value. A list's values are skewed — a tag on 15,000 contacts or on none, a
    workspace of a million rows or of fifty — and a plan right for one is wrong for the other:
    the generic plan of the tag filter took 270 ms where the tag's own took 15, a filtered
    count 150 ms where its own took 85. Only the app role's engine: the platform role's
    search statements are costly to plan and their generic plans held (bench/README.md)."""
    dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_connection.commit()


def _resync_rls_for_open_transaction() -> None:
    """A tenant_context() entered mid-transaction must re-tell PostgreSQL the tenant."""
    if not has_app_context():
        return

    session = db.session()
    if not session.in_transaction():
        return
    for connection in _open_connections(session):
        apply_rls_setting(connection)


def _open_connections(session):
    transaction = session.get_transaction()
    while transaction is not None and transaction.parent is not None:
        transaction = transaction.parent
    if transaction is None:
        return []
    # SessionTransaction keeps {bind: (connection, transaction, ...)}.
    connections = {}
    for entry in transaction._connections.values():
        connections[id(entry[0])] = entry[0]
    return list(connections.values())


def _flush_before_leaving() -> None:
    """Writes made inside a scope are flushed while that scope is still current."""
    if not has_app_context():
        return

    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()


def allow_generic_plans() -> None:
    """For the rest of this transaction, let PostgreSQL reuse a generic plan: for jobs that
    write rows by the thousand (an import's batch, a revert).

    The app role's custom-plan-only setting (`_custom_plans_only`) also re-plans every
    foreign-key check, which PostgreSQL runs as a query per inserted row: a timeline link
    (three foreign keys) cost 1.06 ms to insert with custom plans and 0.05 ms without. Their
    generic plans are right for every value (a primary-key probe), and a batch's own lookups
    are equality on unique keys, so nothing here depends on skewed values."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = auto"))


def refresh_planner_statistics(*tables: str) -> None:
    """ANALYZE tables a job has just grown in bulk (PostgreSQL; see migration 0018), so the
    planner knows the tenant's new size before autovacuum would notice."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text("SELECT refresh_planner_statistics(:table)"), {"table": table})


def install(app) -> None:
    with app.app_context():
        engine = db.engines[None]
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _custom_plans_only)
    if not _registered:
        on_context_change(_resync_rls_for_open_transaction)
        on_leaving_context(_flush_before_leaving)
        _registered.append(True)


_registered: list = []
