"""Operator commands for platform administrators."""

import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from app.core.context import platform_scope
from app.extensions import db
from app.superadmin.models import PlatformAdmin


def ensure_platform_admin(email: str, password: str, name: str = "") -> tuple[PlatformAdmin, bool]:
    email = email.strip().lower()
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
    if admin is not None:
        return admin, False
    admin = PlatformAdmin(
        email=email,
        name=name or email.split("@")[0].title(),
        password_hash=hash_password(password),
        session_token=secrets.token_hex(16),
    )
    db.session.add(admin)
    db.session.flush()
    return admin, True


@click.command("create-platform-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="PLATFORM_ADMIN_PASSWORD")
@click.option("--name", default="")
@with_appcontext
def create_platform_admin(email: str, password: str, name: str) -> None:
    """Create a super-admin who can sign in at admin.<BASE_DOMAIN>."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password")
    with platform_scope():
        _, created = ensure_platform_admin(email, password, name)
        db.session.commit()
    click.echo(f"Platform admin {email} {'created' if created else 'already exists'}.")
