"""Sign-in throttling: per account, per second factor, and per client address.

- Each account (per tenant, or the console) gets LOGIN_FAILURES_PER_ACCOUNT guesses. The
  attempt is counted *before* the password is checked (one atomic increment: Redis INCR,
  or a locked counter in memory), so twenty concurrent guesses cannot slip past a limit of
  five; a correct password clears the count.
- The second factor has its own counter per user (LOGIN_SECOND_FACTOR_FAILURES), counted
  the same way and cleared only when a code is accepted: knowing the password does not
  buy more guesses at the code.
- A client address (after ProxyFix: the real client behind TRUSTED_PROXIES) that fails
  LOGIN_FAILURES_PER_IP times is slowed, not locked out: from then on it gets at most one
  more guess per account for the rest of the window, and none at an account it already
  failed on. Other accounts signing in correctly from the same address (an office behind
  one NAT, or every user when the proxy is not trusted) are not refused.

The counters live in Flask-Limiter's storage: memory on a laptop, Redis when REDIS_URL is
set, so every gunicorn worker and machine shares them.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from limits import RateLimitItemPerSecond, parse

from app.core.errors import RateLimited, ValidationFailed
from app.core.extensions import limiter

ACCOUNT_MESSAGE = "Too many failed sign-in attempts. Please wait and try again."
ADDRESS_MESSAGE = "Too many failed sign-in attempts from your network. Please wait and try again."


def _address_limit():
    return parse(current_app.config["LOGIN_FAILURES_PER_IP"])


def _one_more_guess(address_limit):
    """One guess per account and address, for as long as the address's window lasts."""
    return RateLimitItemPerSecond(1, address_limit.get_expiry())


class LoginAttempt:
    """One guess at a secret (password or code), counted before it is checked."""

    def __init__(self, limit_setting: str, key: tuple[str, ...], ip: str | None):
        self.limit = parse(current_app.config[limit_setting])
        self.key = key
        self.address_key = ("login-ip", ip or "unknown")
        self.pair_key = ("login-ip-account", ip or "unknown", *key)
        self.slowed = False

    def reserve(self) -> "LoginAttempt":
        strategy = limiter.limiter
        address_limit = _address_limit()
        self.slowed = not strategy.test(address_limit, *self.address_key)
        # hit() is the atomic check-and-count: it increments and says whether we were within.
        if self.slowed and not strategy.hit(_one_more_guess(address_limit), *self.pair_key):
            raise RateLimited(ADDRESS_MESSAGE)
        if not strategy.hit(self.limit, *self.key):
            raise RateLimited(ACCOUNT_MESSAGE)
        return self

    def failed(self) -> None:
        """The secret was wrong (the account's count already holds this guess)."""
        strategy = limiter.limiter
        address_limit = _address_limit()
        strategy.hit(address_limit, *self.address_key)
        if not self.slowed:
            strategy.hit(_one_more_guess(address_limit), *self.pair_key)
        if self.slowed:
            raise RateLimited(ADDRESS_MESSAGE)

    def succeeded(self) -> None:
        strategy = limiter.limiter
        strategy.clear(self.limit, *self.key)
        strategy.clear(_one_more_guess(_address_limit()), *self.pair_key)


def _account(scope: str, account: str) -> tuple[str, ...]:
    return ("login-account", scope, (account or "").strip().lower())


def start_password_attempt(scope: str, account: str, ip: str | None) -> LoginAttempt:
    """Count a password guess at `account` (an email) in `scope` (a tenant id, or "console");
    raises 429 when the account, or this address at this account, has no guess left."""
    return LoginAttempt("LOGIN_FAILURES_PER_ACCOUNT", _account(scope, account), ip).reserve()


def start_second_factor_attempt(scope: str, user_id, ip: str | None) -> LoginAttempt:
    """Count a guess at the second factor of user `user_id`; 429 when none is left."""
    return LoginAttempt("LOGIN_SECOND_FACTOR_FAILURES", ("login-2fa", scope, str(user_id)), ip).reserve()


def clear_password_failures(scope: str, account: str) -> None:
    """Give `account` its guesses back once its owner proved themselves another way (a reset
    link from their mailbox): the throttle stops guessing, it must not lock out recovery."""
    limiter.limiter.clear(parse(current_app.config["LOGIN_FAILURES_PER_ACCOUNT"]), *_account(scope, account))


@contextmanager
def password_retyped(scope: str, account: str, ip: str | None, *, field: str) -> Iterator[None]:
    """Count the password a signed-in person types again to confirm a change (their current
    password, turning two-factor off) as a sign-in guess: a stolen session must not buy endless
    guesses at it. The guess is wrong when the service inside refuses `field`; any other refusal
    (a weak new password) means the password was right."""
    attempt = start_password_attempt(scope, account, ip)
    try:
        yield
    except ValidationFailed as exc:
        if field in (exc.details or {}):
            attempt.failed()
        else:
            attempt.succeeded()
        raise
    attempt.succeeded()
