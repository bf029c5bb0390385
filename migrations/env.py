"""Alembic environment: migrate as the table owner, then re-apply row-level security and the
roles' table privileges to every table (including the ones this upgrade added)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

from app.core.types import UTCDateTime
from app.tenants.grants import ensure_privileges, roles_from_config
from app.tenants.rls import ensure_row_level_security

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def migration_url() -> str:
    # Migrations run as the owner role; the app's own role owns nothing.
    return current_app.config.get("MIGRATION_DATABASE_URL") or target_db.engine.url.render_as_string(
        hide_password=False
    )


def get_metadata():
    return target_db.metadatas[None] if hasattr(target_db, "metadatas") else target_db.metadata


def render_item(type_, obj, autogen_context):
    """Write portable column types into migrations instead of importing app code."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if obj.__class__.__name__ == "JSON" and getattr(obj, "_variant_mapping", None):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def run_migrations_offline() -> None:
    context.configure(url=migration_url(), target_metadata=get_metadata(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_as_batch", True)  # SQLite needs batch mode to alter tables
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("render_item", render_item)

    engine = create_engine(migration_url())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()
            if not getattr(config.cmd_opts, "autogenerate", False) and connection.dialect.name == "postgresql":
                ensure_row_level_security(connection)
                app_role, platform_role = roles_from_config(current_app.config, connection)
                ensure_privileges(connection, app_role=app_role, platform_role=platform_role)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
