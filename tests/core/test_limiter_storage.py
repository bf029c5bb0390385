"""The rate limiter's in-process storage: windows end without an expiry thread."""

import time

from app.core.limiter_storage import SWEEP_EVERY_SECONDS, InProcessStorage


def test_a_window_ends_when_read_after_its_end_and_idle_keys_are_swept(monkeypatch):
    clock = [1_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    storage = InProcessStorage()

    assert [storage.incr("key-a", 10) for _ in range(3)] == [1, 2, 3]
    assert storage.get_expiry("key-a") == 1_010.0
    clock[0] += 10
    assert storage.get("key-a") == 0
    assert storage.incr("key-a", 10) == 1  # a new window, counted from its first call

    storage.incr("key-b", 10)
    clock[0] += SWEEP_EVERY_SECONDS + 1
    storage.incr("key-c", 10)  # the first call after a minute sweeps keys nobody read again
    assert set(storage.expirations) == {"key-c"}
    assert set(storage.storage) == {"key-c"}


def test_decrement_keeps_the_window(monkeypatch):
    clock = [5_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    storage = InProcessStorage()
    storage.incr("key", 10, amount=3)
    assert storage.decr("key") == 2
    assert storage.decr("key", amount=5) == 0
    assert storage.get_expiry("key") == 5_010.0
