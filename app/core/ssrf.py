"""SSRF guard for every URL the app calls on a tenant's behalf (outgoing webhooks, automation
webhook steps).

A URL is checked twice: when it is saved (syntax, literal addresses in any spelling, names
that mean "this machine", and what the name resolves to now) and again right before each
request, after DNS resolution. The request then connects to the address that was checked —
never to a fresh resolution — so a name that changes its answer between the check and the
connect (DNS rebinding) cannot slip through. Redirects are never followed.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_app_context

MAX_URL_LENGTH = 2000
ALLOWED_SCHEMES = ("http", "https")
# Names that mean "this host" or an internal network whatever they resolve to.
REFUSED_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "metadata.google.internal")
REFUSED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
# Prefixes that embed an IPv4 address in an IPv6 one (NAT64, 6to4 is handled by the library).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class UnsafeUrl(ValueError):
    """The URL may not be called: the message says why, in words a tenant admin understands."""


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard, and the address the request must connect to."""

    scheme: str
    host: str  # the name as written (for the Host header and TLS)
    port: int
    path: str  # path and query
    address: str  # the checked IP address to connect to


def parse_ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The address a host string means to the C library's inet_aton, which browsers and many
    HTTP stacks follow: 1-4 dot-separated parts, each decimal, octal (leading 0) or hex (0x);
    the last part fills the remaining bytes. `2130706433`, `0177.1`, `0x7f.0.0.1` are all
    127.0.0.1. None when the string is not such a literal."""
    parts = host.split(".")
    if parts and parts[-1] == "":  # one trailing dot is allowed, as in DNS
        parts = parts[:-1]
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                number = int(part[2:] or "0", 16)
            elif len(part) > 1 and part.startswith("0"):
                number = int(part, 8)
            else:
                number = int(part, 10)
        except ValueError:
            return None
        if number < 0 or not part.isascii():
            return None
        numbers.append(number)
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (4 - len(leading)):
        return None
    value = 0
    for number in leading:
        value = value * 256 + number
    value = value * 256 ** (4 - len(leading)) + last
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str):
    """An IPv4 (any spelling) or IPv6 address written as the host, or None for a name."""
    bare = host.strip("[]")
    if ":" in bare:
        try:
            return ipaddress.IPv6Address(bare.split("%", 1)[0])
        except ValueError:
            raise UnsafeUrl("This is not a valid IPv6 address.") from None
    return parse_ipv4_literal(bare)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64 or address in NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    # IPv4-compatible (deprecated) ::a.b.c.d
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address))
    return None


def is_public_address(address) -> bool:
    """Only globally routable unicast addresses: not loopback, private, link-local (which holds
    the cloud metadata service), shared (CGNAT), multicast, reserved, documentation or
    unspecified — nor an IPv6 address that wraps one of those."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address)
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
    return address.is_global and not address.is_multicast


def _allowed_exceptions() -> set[str]:
    """Addresses an operator allows although they are not public (the tests' local servers)."""
    if not has_app_context():
        return set()
    return {item.strip() for item in current_app.config.get("SSRF_ALLOWED_ADDRESSES", ()) if item.strip()}


def _check_address(address, exceptions: set[str]) -> None:
    if str(address) in exceptions:
        return
    if not is_public_address(address):
        raise UnsafeUrl(f"The address {address} is private, local or reserved; use a public address.")


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the name resolves to (tests replace this function; nothing reaches DNS)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl("This host name does not resolve.") from exc
    return sorted({info[4][0] for info in infos})


def check_url(url: str) -> Target:
    """Refuse with UnsafeUrl unless every address `url` leads to is public; returns the target
    to connect to (the first checked address)."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeUrl("Enter a URL.")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"Use at most {MAX_URL_LENGTH} characters.")
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise UnsafeUrl("A URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("This is not a valid URL.") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UnsafeUrl("Use an http:// or https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Put credentials in the signing secret, not in the URL.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeUrl("The URL has no host.")
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    exceptions = _allowed_exceptions()
    literal = parse_ip_literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        internal = host in REFUSED_NAMES or host.endswith(REFUSED_SUFFIXES) or "." not in host
        if internal and host not in exceptions:
            raise UnsafeUrl("This host name points to a local or internal network.")
        if not all(label and len(label) <= 63 for label in host.split(".")):
            raise UnsafeUrl("This is not a valid host name.")
        addresses = resolve_host(host, port)
        if not addresses:
            raise UnsafeUrl("This host name does not resolve.")
    for address in addresses:
        try:
            parsed = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError as exc:
            raise UnsafeUrl("This host name resolves to an invalid address.") from exc
        _check_address(parsed, exceptions)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme.lower(), host=host, port=port, path=path, address=addresses[0])
