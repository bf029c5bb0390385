"""The rate limiter's storage inside one process, when no Redis is configured.

`limits`' own `memory://` storage expires keys from a `threading.Timer` that it starts again
whenever the last one has finished (10 ms after it started). An API key called more than about
a hundred times a second therefore starts an operating-system thread on nearly every call and
waits for it to start: 3.5–9 % of an API list call's CPU in a profile (bench/README.md,
2026-12-06). This storage keeps the same counters and forgets a window when it is next read
after its end, which `MemoryStorage.get` already does; keys nobody reads again are swept at
most once a minute, inside a call, so memory does not grow with the keys ever seen.

Only the fixed-window strategy (Flask-Limiter's default, and the API's burst window) is served
without the timer; the other strategies keep the parent's behaviour.
"""

import time

from limits.storage import MemoryStorage

SWEEP_EVERY_SECONDS = 60.0


class InProcessStorage(MemoryStorage):
    STORAGE_SCHEME = ["inprocess"]  # `limits` registers storages by scheme: RATELIMIT_STORAGE_URI "inprocess://"

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.next_sweep = time.time() + SWEEP_EVERY_SECONDS

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.get(key)  # forgets the key's count if its window has ended
        self.sweep_if_due()
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def decr(self, key: str, amount: int = 1) -> int:
        self.get(key)
        with self.locks[key]:
            self.storage[key] = max(self.storage[key] - amount, 0)
        return self.storage.get(key, 0)

    def sweep_if_due(self) -> None:
        now = time.time()
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_EVERY_SECONDS
        for key, expires_at in list(self.expirations.items()):
            if expires_at <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
