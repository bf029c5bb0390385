"""Platform admins: who may run the console, added, removed and given back access, and their
two-factor reset when a phone is lost. Each change is audited; a removed admin's row stays, so
the audit log keeps naming them."""

import secrets

from sqlalchemy import select

from app.auth.passwords import hash_password, verify_password
from app.auth.services import check_password_strength, normalize_email
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.superadmin.access import record_platform_audit
from app.superadmin.models import PlatformAdmin


def list_admins() -> list[PlatformAdmin]:
    """Active admins first, then those removed; each group by email."""
    return list(
        db.session.scalars(select(PlatformAdmin).order_by(PlatformAdmin.is_active_admin.desc(), PlatformAdmin.email))
    )


def get_admin_or_none(admin_id) -> PlatformAdmin | None:
    return db.session.get(PlatformAdmin, admin_id)


def ensure_platform_admin(email: str, password: str, name: str = "") -> tuple[PlatformAdmin, bool]:
    """The admin with this email, made with this password if there is none yet (True then)."""
    email = normalize_email(email)
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


def add_admin(email: str, name: str, password: str, *, your_password: str, admin: PlatformAdmin) -> PlatformAdmin:
    """A new admin can read every agency: the acting admin types their own password first, so a
    console left open cannot mint a lasting admin of its own."""
    if not verify_password(admin.password_hash, your_password or ""):
        raise ValidationFailed("Wrong password.", details={"your_password": ["This is not your password."]})
    check_password_strength(password)
    added, created = ensure_platform_admin(email, password, (name or "").strip())
    if not created:
        raise ValidationFailed(
            "That email is already a platform admin.",
            details={"email": ["That email is already a platform admin."]},
        )
    record_platform_audit("console.admin_added", details={"email": added.email})
    return added


def _end_sessions(target: PlatformAdmin) -> None:
    # The session cookie names this token: a new one signs them out everywhere at once.
    target.session_token = secrets.token_hex(16)


def remove_admin(target: PlatformAdmin, *, admin: PlatformAdmin) -> None:
    """Their access ends at once; another admin may give it back."""
    if target.id == admin.id:
        raise Conflict("You cannot remove yourself: another platform admin has to.")
    if not target.is_active_admin:
        raise Conflict(f"{target.email} is already removed.")
    target.is_active_admin = False
    _end_sessions(target)
    record_platform_audit("console.admin_removed", details={"email": target.email})


def restore_admin(target: PlatformAdmin, *, admin: PlatformAdmin) -> None:
    if target.is_active_admin:
        raise Conflict(f"{target.email} is already a platform admin.")
    target.is_active_admin = True
    record_platform_audit("console.admin_restored", details={"email": target.email})


def reset_admin_totp(target: PlatformAdmin, *, admin: PlatformAdmin) -> None:
    """For an admin who lost their authenticator: they sign in with their password and set it
    up again (at once, where the console requires two-factor)."""
    if target.id == admin.id:
        raise Conflict("Change your own two-factor on the Two-factor page.")
    if not target.totp_enabled:
        raise Conflict(f"{target.email} has no two-factor authentication to reset.")
    target.totp_secret = None
    target.totp_enabled = False
    target.totp_last_step = None
    _end_sessions(target)
    record_platform_audit("console.admin_2fa_reset", details={"email": target.email})
