"""One signed POST to a checked address: the SSRF guard runs again here, after DNS, and the
connection goes to the address it approved. Redirects are answered as they are, not followed."""

import json
import time
from dataclasses import dataclass

import urllib3

from app.core.ssrf import UnsafeUrl, check_url
from app.crm.webhooks.signing import SIGNATURE_HEADER, sign

TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)
USER_AGENT = "Atrium-Webhooks/1.0"
BODY_KEPT = 1000


@dataclass
class SendResult:
    ok: bool
    status: int | None
    duration_ms: int
    body: str = ""
    error: str | None = None


def encode_body(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def post_signed(url: str, payload: dict, *, secret: str, headers: dict | None = None) -> SendResult:
    """POST `payload` as JSON with its signature; success is a 2xx answer."""
    started = time.monotonic()
    try:
        target = check_url(url)
    except UnsafeUrl as exc:
        return SendResult(False, None, 0, error=f"Refused: {exc}")
    body = encode_body(payload)
    host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    request_headers = {
        "Host": host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body),
        **(headers or {}),
    }
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=TIMEOUT,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=TIMEOUT, retries=False)
    try:
        response = pool.urlopen(
            "POST", target.path, body=body, headers=request_headers, redirect=False, preload_content=False
        )
        text = response.read(BODY_KEPT, decode_content=True).decode("utf-8", "replace")
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        return SendResult(False, None, _ms(started), error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        pool.close()
    ok = 200 <= response.status < 300
    error = None if ok else f"HTTP {response.status}"
    return SendResult(ok, response.status, _ms(started), body=text[:BODY_KEPT], error=error)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
