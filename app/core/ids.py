"""UUIDv7 identifiers made in Python: time-ordered, unguessable, portable across databases."""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_sequence = 0


def uuid7() -> uuid.UUID:
    """Return a UUIDv7 (RFC 9562) that sorts after every earlier one made by this process.

    The 12-bit `rand_a` field carries a counter within one millisecond so that ids created
    in a burst keep their creation order, which keyset pagination relies on.
    """
    global _last_ms, _sequence
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            _sequence = int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:
            _sequence += 1
            if _sequence > 0xFFF:
                _last_ms += 1
                _sequence = 0
        ms, seq = _last_ms, _sequence
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= seq << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def parse_uuid(value) -> uuid.UUID | None:
    """Return a UUID for `value`, or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None
