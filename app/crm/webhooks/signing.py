"""How a webhook body is signed, and the receiver's check (the API docs quote `verify_signature`).

Header `Atrium-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed
with the subscription's secret. Signing the timestamp with the body lets a receiver refuse a
replayed request: it checks the signature, then that `t` is recent.
"""

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Atrium-Signature"
TOLERANCE_SECONDS = 300


def new_signing_secret() -> str:
    """A webhook subscription's or a workflow's secret, new or rotated."""
    return f"whsec_{secrets.token_urlsafe(32)}"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


VERIFICATION_SNIPPET = '''import hashlib, hmac, time

def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """header: the Atrium-Signature value; body: the raw request body, unparsed."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, received = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
'''
