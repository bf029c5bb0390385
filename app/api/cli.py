"""`flask api-keys create SLUG NAME --scopes …`: issue a key for scripts and operators."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.api.scopes import all_scopes
from app.api.services import create_api_key
from app.auth.models import Role, User
from app.core.context import platform_scope, tenant_context
from app.core.errors import AppError
from app.core.extensions import db
from app.core.transactions import commit_and_deliver
from app.tenants.models import Tenant

api_keys = AppGroup("api-keys", help="Manage tenants' API keys.")


@api_keys.command("create")
@click.argument("slug")
@click.argument("name")
@click.option(
    "--scopes",
    default=None,
    show_default="every scope",
    help="Comma-separated object:read / object:write scopes, e.g. contacts:read,contacts:write.",
)
@click.option("--user", "email", default=None, help="The user the key acts as (default: the first active owner).")
def create(slug: str, name: str, scopes: str, email: str | None) -> None:
    """Create an API key for the tenant SLUG and print it (it is shown only this once)."""
    with platform_scope():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise click.ClickException(f"No tenant with slug {slug!r}.")
        tenant_id = tenant.id
    with tenant_context(tenant_id):
        query = select(User).where(User.is_active_user.is_(True))
        if email:
            query = query.where(User.email == email.strip().lower())
        else:
            query = query.where(User.role == Role.OWNER).order_by(User.created_at)
        actor = db.session.scalars(query.limit(1)).first()
        if actor is None:
            raise click.ClickException(f"No active {'user ' + email if email else 'owner'} in {slug}.")
        try:
            key, secret = create_api_key(name=name, scopes=scopes or list(all_scopes()), actor=actor)
        except AppError as exc:
            details = "; ".join(exc.detail_messages())
            raise click.ClickException(details or exc.message) from exc
        commit_and_deliver()
        click.echo(f"API key {key.name!r} for {slug} (acts as {actor.email}; scopes: {', '.join(key.scopes)})")
        click.echo("Store it now; it is not shown again:")
        click.echo(secret)
