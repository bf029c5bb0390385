"""argon2id password hashing; the cost comes from configuration (cheap only in tests)."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_PASSWORD_LENGTH = 10


@cache
def _hasher_for(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _hasher() -> PasswordHasher:
    if has_app_context():
        return _hasher_for(current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    return _hasher_for(3, 65536)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verifying against this keeps "no such user" as slow as "wrong password".
    return hasher.hash("atrium-timing-equalizer")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def password_signs_in(account, password: str, *, active: bool) -> bool:
    """Whether `password` signs `account` (a user or a platform admin) in: there is one, it is
    `active` and the password is its own. With no account the password is still checked, against
    a dummy hash, so that an unknown email answers as slowly as a wrong password. A password that
    signs in is re-hashed when the stored hash was made with older settings."""
    if account is None:
        verify_password(None, password)
        return False
    if not (active and verify_password(account.password_hash, password)):
        return False
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return True
