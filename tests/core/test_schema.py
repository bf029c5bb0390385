"""Every tenant table is keyed by tenant_id; models and migrations agree; RLS covers them all."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from app.core.extensions import db
from app.core.models import is_tenant_scoped
from tests.conftest import USE_POSTGRES


def _mapped_classes():
    return [mapper.class_ for mapper in db.Model.registry.mappers]


def test_every_model_is_either_tenant_scoped_or_a_platform_table(app):
    undeclared = [
        cls.__name__
        for cls in _mapped_classes()
        if not is_tenant_scoped(cls) and not getattr(cls, "__platform_table__", False)
    ]
    assert not undeclared, f"declare these TenantScoped or PlatformModel: {undeclared}"


def test_tenant_tables_have_tenant_id_first_in_their_primary_key(app):
    for cls in _mapped_classes():
        if is_tenant_scoped(cls):
            key = [column.name for column in cls.__table__.primary_key.columns]
            assert key == ["tenant_id", "id"], f"{cls.__tablename__} has primary key {key}"
            assert not cls.__table__.c.tenant_id.nullable


def test_every_index_of_a_tenant_table_leads_with_tenant_id(app):
    offenders = []
    for cls in _mapped_classes():
        if not is_tenant_scoped(cls):
            continue
        for index in cls.__table__.indexes:
            first = next(iter(index.expressions), None)
            if getattr(first, "name", None) != "tenant_id":
                offenders.append(f"{cls.__tablename__}.{index.name}")
        for constraint in cls.__table__.constraints:
            columns = getattr(constraint, "columns", None)
            is_unique = constraint.__class__.__name__ == "UniqueConstraint" and columns is not None
            if is_unique and next(iter(columns)).name != "tenant_id":
                offenders.append(f"{cls.__tablename__}.{constraint.name}")
    assert not offenders, f"indexes/unique constraints must lead with tenant_id: {offenders}"


def test_foreign_keys_between_tenant_tables_are_composite(app):
    offenders = []
    for cls in _mapped_classes():
        if not is_tenant_scoped(cls):
            continue
        for fk in cls.__table__.foreign_key_constraints:
            target = fk.referred_table
            if target.name == "tenants":
                continue
            if "tenant_id" in target.c and next(iter(fk.columns)).name != "tenant_id":
                offenders.append(f"{cls.__tablename__} -> {target.name}")
    assert not offenders, f"use tenant_foreign_key() for: {offenders}"


def test_models_and_migrations_agree(app):
    url = app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, db.metadata) if not _ignorable(d)]
    engine.dispose()
    assert not diff, f"models and migrations disagree; generate a migration: {diff}"


# Expression indexes PostgreSQL reflects in its own spelling ("lower((subject::text || ' '::text)
# || body)"), which Alembic cannot match to the model's; tests/records/test_list_search.py
# proves the activity search index exists and is used.
EXPRESSION_INDEXES = {"ix_activities_search_trgm"}


def _ignorable(diff) -> bool:
    if isinstance(diff, tuple) and diff[0] in ("add_index", "remove_index") and diff[1].name in EXPRESSION_INDEXES:
        return True
    # Tables that are not ours (APScheduler's job store) are created by their library.
    if isinstance(diff, tuple) and diff[0] == "remove_table":
        return diff[1].name in {"apscheduler_jobs"}
    # Record types declared only in the tests have no migration.
    if isinstance(diff, tuple) and diff[0] in ("add_table", "add_index"):
        table = diff[1] if diff[0] == "add_table" else diff[1].table
        return bool(table.info.get("test_only"))
    return False


pytestmark_pg = pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL only")


@pytestmark_pg
def test_row_level_security_is_enabled_and_forced_on_every_tenant_table(app):
    tenant_tables = {cls.__tablename__ for cls in _mapped_classes() if is_tenant_scoped(cls)}
    engine = create_engine(app.config["TEST_ADMIN_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(tenant_tables)},
        ).all()
        policies = {
            r[0]
            for r in connection.execute(text("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'"))
        }
    engine.dispose()
    assert {r.relname for r in rows} == tenant_tables
    assert all(r.relrowsecurity and r.relforcerowsecurity for r in rows), rows
    assert tenant_tables <= policies


@pytestmark_pg
def test_app_role_is_neither_superuser_nor_bypassing_rls(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        role = connection.execute(
            text("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owns = connection.scalar(text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user"))
    engine.dispose()
    assert role.rolname == "atrium_app"
    assert not role.rolsuper
    assert not role.rolbypassrls
    assert owns == 0
