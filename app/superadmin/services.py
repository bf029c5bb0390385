"""Platform admin sign-in."""

import pyotp
from sqlalchemy import select

from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.core.types import utcnow
from app.extensions import db
from app.superadmin.access import record_platform_audit
from app.superadmin.models import PlatformAdmin


def authenticate_admin(email: str, password: str) -> PlatformAdmin | None:
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == (email or "").strip().lower()))
    ok = admin is not None and admin.is_active_admin and verify_password(admin.password_hash, password)
    if not ok:
        if admin is None:
            verify_password(None, password)
        record_platform_audit("console.login_failed", details={"email": (email or "").strip().lower()})
        return None
    if needs_rehash(admin.password_hash):
        admin.password_hash = hash_password(password)
    return admin


def verify_admin_totp(admin: PlatformAdmin, code: str) -> bool:
    return bool(admin.totp_secret) and pyotp.TOTP(admin.totp_secret).verify((code or "").strip(), valid_window=1)


def record_admin_login(admin: PlatformAdmin) -> None:
    admin.last_login_at = utcnow()
    record_platform_audit("console.login", details={"email": admin.email})
