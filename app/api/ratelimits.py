"""API rate limits: the plan's calls per day (the usage meter) and a burst limit per key.

Every authenticated call is counted on the meter, refused ones included. A call that
succeeds is counted by the last statement of its own transaction (app.api.gate.close_api_call):
the meter row stays locked only from that upsert to the commit right after it, so concurrent
calls do not queue behind each other's requests, and a call past the day's allowance is rolled
back whole. A failing or refused call is counted in a short transaction of its own.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from limits import RateLimitItemPerSecond

from app.core.errors import RateLimited
from app.core.extensions import limiter
from app.core.types import utcnow
from app.plans.services import entitlements, increment_meter

METRIC = "api_calls_per_day"
BURST_WINDOW_SECONDS = 10
DEFAULT_BURST_LIMIT = 100  # calls per key per 10 seconds; API_BURST_LIMIT overrides


@dataclass(frozen=True)
class Allowance:
    """What the X-RateLimit-* headers report: a limit, what is left of it, when it resets (epoch)."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def burst_limit() -> int:
    return int(current_app.config.get("API_BURST_LIMIT", DEFAULT_BURST_LIMIT))


def _next_utc_midnight(now: datetime) -> int:
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
    return int(tomorrow.timestamp())


def hit_burst_window(key_id) -> tuple[bool, Allowance]:
    """Count the call in this key's 10-second window (Flask-Limiter's storage: Redis or memory)."""
    item = RateLimitItemPerSecond(burst_limit(), BURST_WINDOW_SECONDS)
    allowed = limiter.limiter.hit(item, "api-burst", str(key_id))
    reset_at, remaining = limiter.limiter.get_window_stats(item, "api-burst", str(key_id))
    return allowed, Allowance(limit=item.amount, remaining=max(int(remaining), 0), reset=int(reset_at) + 1)


def burst_refusal(allowance: Allowance) -> RateLimited:
    return RateLimited(
        f"Too many calls with this key: at most {allowance.limit} every {BURST_WINDOW_SECONDS} seconds.",
        details={"limit": allowance.limit, "window_seconds": BURST_WINDOW_SECONDS, "reset": allowance.reset},
    )


def count_call(tenant, *, durable: bool = True) -> tuple[Allowance | None, int]:
    """Add this call to today's meter: (today's allowance or None when unlimited, calls so far)."""

    now = utcnow()
    used = increment_meter(METRIC, now=now, durable=durable)
    limit = entitlements(tenant).limit(METRIC)
    if limit is None:
        return None, used
    return Allowance(limit=limit, remaining=max(limit - used, 0), reset=_next_utc_midnight(now)), used


def daily_refusal(allowance: Allowance, used: int) -> RateLimited:
    return RateLimited(
        f"Your plan allows {allowance.limit:,} API calls a day; today's are used up.",
        details={"resource": METRIC, "limit": allowance.limit, "used": used, "reset": allowance.reset},
    )
