"""API key operations: issue (the secret is returned once), revoke, list, and find by secret."""

import secrets
import string

from flask import request
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from app.api.models import ApiKey
from app.api.scopes import check_scopes
from app.core.audit import record_audit
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.tokens import hash_token
from app.core.types import utcnow
from app.plans.services import check_feature
from app.tenants.hosts import NOT_READ, Companion, tenant_companion
from app.tenants.models import Tenant

KEY_MARKER = "atr"
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 10
SECRET_BYTES = 32
MAX_NAME_LENGTH = 80


def _new_prefix() -> str:
    return "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def create_api_key(*, name: str, scopes, actor) -> tuple[ApiKey, str]:
    """Issue a key; returns (key, full secret). The secret is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Name the key.", details={"name": ["Give the key a name you will recognise."]})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed("Name too long.", details={"name": [f"Use at most {MAX_NAME_LENGTH} characters."]})

    check_feature("api")
    scopes = check_scopes(scopes)
    prefix = _new_prefix()
    secret = f"{KEY_MARKER}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    key = ApiKey(
        name=name,
        prefix=prefix,
        secret_hash=hash_token(secret),
        scopes=scopes,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(key)
    db.session.flush()
    record_audit("api_key.created", actor=actor, target=key, target_label=name, details={"scopes": scopes})
    return key, secret


def revoke_api_key(key: ApiKey, *, actor) -> None:
    if key.revoked_at is not None:
        raise Conflict("This key is already revoked.")
    key.revoked_at = utcnow()
    record_audit("api_key.revoked", actor=actor, target=key, target_label=key.name)


def list_api_keys() -> list[ApiKey]:
    return list(
        db.session.scalars(
            select(ApiKey)
            .options(selectinload(ApiKey.created_by))
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())
        )
    )


def parse_presented_key(presented: str) -> str | None:
    """Return the prefix of a well-formed key, else None."""
    marker, _, rest = (presented or "").partition("_")
    prefix, _, secret = rest.partition("_")
    if marker != KEY_MARKER or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    if any(char not in PREFIX_ALPHABET for char in prefix):
        return None
    return prefix


def _presented_key(tenant_id) -> dict | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    prefix = parse_presented_key(credentials.strip()) if scheme.lower() == "bearer" else None
    return None if prefix is None else {"companion_key_prefix": prefix}


# The key an API call presents, with its creator, read with its tenant's row
# (app.tenants.hosts): `find_active_key` then sends no statement of its own.
presented_key_companion = Companion(
    "api_key",
    ApiKey,
    and_(ApiKey.tenant_id == Tenant.id, ApiKey.prefix == bindparam("companion_key_prefix")),
    _presented_key,
    lambda: (joinedload(ApiKey.created_by),),
)


def find_active_key(presented: str) -> ApiKey | None:
    """The current tenant's live key for this secret, or None (another tenant's key is not found)."""
    prefix = parse_presented_key(presented)
    if prefix is None:
        return None
    key = tenant_companion("api_key")
    if key is NOT_READ or (key is not None and key.prefix != prefix):
        # The key's creator acts for it on every call: loaded with the key, in the same statement.
        key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix).options(joinedload(ApiKey.created_by)))
    if key is None or not secrets.compare_digest(key.secret_hash, hash_token(presented)):
        return None
    if key.revoked_at is not None:
        return None
    return key


LAST_USED_PRECISION_SECONDS = 60


def mark_used(key: ApiKey) -> None:
    """Record use at most once a minute: a write per call would make every call contend on the row."""
    now = utcnow()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() >= LAST_USED_PRECISION_SECONDS:
        key.last_used_at = now


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
}
