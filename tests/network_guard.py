"""Tests never reach the network: sockets may connect only to this machine.

Real client libraries (SendGrid, Stripe, Twilio) are exercised against local HTTP servers; a
test that forgets to point one there fails loudly here instead of calling the real service
with whatever keys the environment holds."""

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlocked(RuntimeError):
    """Not an OSError on purpose: client libraries retry or swallow those."""


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_local_name(host: str, allowed_names: set[str]) -> bool:
    host = host.lower().rstrip(".")
    return host in allowed_names or host.endswith(".localhost")


def hosts_of(*urls: str | None) -> set[str]:
    """Host names in service URLs (a PostgreSQL or Redis the suite was told to use)."""
    return {urlsplit(url).hostname for url in urls if url and urlsplit(url).hostname}


def install(allowed_hosts: set[str] = frozenset()) -> None:
    """Patch socket.connect/connect_ex and name lookups; loopback and `allowed_hosts` pass."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    allowed_names = {name.lower() for name in allowed_hosts} | LOCAL_NAMES
    allowed_addresses: set[str] = set()
    for name in allowed_hosts:
        try:
            allowed_addresses |= {info[4][0] for info in real_getaddrinfo(name, None)}
        except OSError:
            continue

    def name_allowed(host) -> bool:
        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode("idna")
        return _is_local_name(host, allowed_names) or _is_ip_literal(host)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not name_allowed(host):
            raise NetworkBlocked(f"tests may not look up {host!r}: point the client at a local server")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock, address) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # Unix sockets stay on this machine.
        host = address[0]
        if not (_is_loopback(host) or host in allowed_addresses or _is_local_name(host, allowed_names)):
            raise NetworkBlocked(f"tests may not connect to {address!r}: point the client at a local server")

    def guarded_connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def guarded_connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)

    socket.getaddrinfo = guarded_getaddrinfo
    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
