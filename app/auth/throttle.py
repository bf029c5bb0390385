"""Login throttling per account and per IP, counting failures only.

The counters live in Flask-Limiter's storage: memory on a laptop, Redis when REDIS_URL is
set, so every gunicorn worker and machine shares them.
"""

from flask import current_app
from limits import parse
from werkzeug.exceptions import TooManyRequests

from app.extensions import limiter


def _limits():
    return (
        parse(current_app.config["LOGIN_FAILURES_PER_ACCOUNT"]),
        parse(current_app.config["LOGIN_FAILURES_PER_IP"]),
    )


def _keys(scope: str, account: str, ip: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return ("login-account", scope, account.strip().lower()), ("login-ip", ip or "unknown")


def check_login_allowed(scope: str, account: str, ip: str) -> None:
    """Raise 429 when this account or this IP has failed too often recently."""
    per_account, per_ip = _limits()
    account_key, ip_key = _keys(scope, account, ip)
    strategy = limiter.limiter
    if not strategy.test(per_account, *account_key) or not strategy.test(per_ip, *ip_key):
        raise TooManyRequests("Too many failed sign-in attempts. Please wait and try again.")


def record_login_failure(scope: str, account: str, ip: str) -> None:
    per_account, per_ip = _limits()
    account_key, ip_key = _keys(scope, account, ip)
    limiter.limiter.hit(per_account, *account_key)
    limiter.limiter.hit(per_ip, *ip_key)


def clear_account_failures(scope: str, account: str) -> None:
    per_account, _ = _limits()
    account_key, _ = _keys(scope, account, "")
    limiter.limiter.clear(per_account, *account_key)
