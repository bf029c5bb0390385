"""Platform admin sign-in."""

import pyotp
import segno
from sqlalchemy import select

from app.auth.passwords import password_signs_in, verify_password
from app.auth.services import spend_totp_code
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.types import utcnow
from app.superadmin.access import record_platform_audit
from app.superadmin.models import PlatformAdmin


def authenticate_admin(email: str, password: str) -> PlatformAdmin | None:
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == (email or "").strip().lower()))
    if not password_signs_in(admin, password, active=admin is not None and admin.is_active_admin):
        record_platform_audit("console.login_failed", details={"email": (email or "").strip().lower()})
        return None
    return admin


def verify_admin_totp(admin: PlatformAdmin, code: str) -> bool:
    return spend_totp_code(admin, code)


def record_admin_login(admin: PlatformAdmin) -> None:
    admin.last_login_at = utcnow()
    record_platform_audit("console.login", details={"email": admin.email}, actor_label=admin.email, admin_id=admin.id)


def enable_admin_totp(admin: PlatformAdmin, *, secret: str, code: str) -> None:
    if not pyotp.TOTP(secret).verify((code or "").replace(" ", ""), valid_window=1):
        raise ValidationFailed("Wrong code.", details={"code": ["That code did not match. Check your app's clock."]})
    admin.totp_secret = secret
    admin.totp_enabled = True
    record_platform_audit(
        "console.2fa_enabled", details={"email": admin.email}, admin_id=admin.id, actor_label=admin.email
    )


def disable_admin_totp(admin: PlatformAdmin, *, password: str, required: bool) -> None:
    if required:
        raise Conflict("Two-factor authentication is required for the console here; it cannot be turned off.")
    if not verify_password(admin.password_hash, password):
        raise ValidationFailed("Wrong password.", details={"password": ["This is not your password."]})
    admin.totp_secret = None
    admin.totp_enabled = False
    record_platform_audit("console.2fa_disabled", details={"email": admin.email})


def totp_provisioning(admin: PlatformAdmin, secret: str) -> tuple[str, str]:
    """The otpauth URI and its QR code as inline SVG."""

    uri = pyotp.TOTP(secret).provisioning_uri(name=admin.email, issuer_name="Atrium console")
    return uri, segno.make(uri, error="m").svg_inline(scale=4, dark="#111827")
