"""The SSRF guard: every spelling of a non-public address is refused when a webhook is saved
and again when it is sent (after DNS resolution); a hostile answer at send time is caught."""

import pytest

from app.core import ssrf
from app.core.ssrf import UnsafeUrl, check_url, parse_ipv4_literal
from app.crm.webhooks.sender import post_signed

REFUSED_URLS = [
    "http://127.0.0.1/hook",
    "http://127.1/hook",
    "http://2130706433/hook",  # decimal
    "http://0x7f000001/hook",  # hex
    "http://0x7f.0.0.1/hook",
    "http://0177.0.0.1/hook",  # octal
    "http://017700000001/hook",
    "http://0/hook",
    "http://0.0.0.0/hook",
    "http://10.0.0.8/hook",
    "http://172.16.4.1/hook",
    "http://192.168.1.20/hook",
    "http://100.64.0.1/hook",  # shared address space (CGNAT)
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://224.0.0.1/hook",  # multicast
    "http://240.0.0.1/hook",  # reserved
    "http://255.255.255.255/hook",
    "http://192.0.2.10/hook",  # documentation
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://[fe80::1]/hook",  # link-local
    "http://[fc00::1]/hook",  # unique local
    "http://[fd00:ec2::254]/hook",  # AWS metadata over IPv6
    "http://[ff02::1]/hook",  # multicast
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://api.localhost/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://printer.local/hook",
    "http://intranet/hook",
]
# Public-looking names whose DNS answers point inside.
REBINDING = {
    "loopback.example.com": ["127.0.0.1"],
    "private.example.com": ["93.184.215.14", "10.1.2.3"],  # one bad answer among good ones
    "mapped.example.com": ["::ffff:10.0.0.1"],
    "metadata.example.com": ["169.254.169.254"],
}
OTHER_REFUSALS = [
    "ftp://example.com/file",
    "file:///etc/passwd",
    "gopher://example.com/",
    "http://user:secret@example.com/hook",
    "http://exa mple.com/hook",
    "javascript:alert(1)",
    "",
]


@pytest.fixture
def fake_dns(monkeypatch):
    """Names resolve from this table (public ones to a documentation-free public address)."""

    def resolve(host, port):
        if host in REBINDING:
            return REBINDING[host]
        if host.endswith(".example.com") or host == "example.com":
            return ["93.184.215.14"]
        raise UnsafeUrl("This host name does not resolve.")

    monkeypatch.setattr(ssrf, "resolve_host", resolve)
    return resolve


@pytest.mark.parametrize("url", REFUSED_URLS + [f"https://{name}/hook" for name in REBINDING] + OTHER_REFUSALS)
def test_unsafe_url_is_refused_by_the_guard(app, fake_dns, url):
    with app.app_context(), pytest.raises(UnsafeUrl):
        check_url(url)


@pytest.mark.parametrize("url", REFUSED_URLS + [f"https://{name}/hook" for name in REBINDING])
def test_unsafe_url_is_refused_at_send_time(app, fake_dns, url):
    with app.app_context():
        result = post_signed(url, {"type": "test"}, secret="s")
    assert not result.ok
    assert result.status is None
    assert result.error.startswith("Refused:")


@pytest.mark.parametrize("url", [*REFUSED_URLS[:12], "https://metadata.example.com/x"])
def test_unsafe_url_is_an_inline_form_error_when_saved(tenant_a, client_for, fake_dns, url):
    response = client_for(tenant_a).post(
        "/settings/webhooks", data={"name": "CRM sync", "url": url, "event_types": ["contact.created"]}
    )
    assert response.status_code == 422
    assert b"is-invalid" in response.data
    assert b"Webhook" in response.data


def test_public_url_passes_and_connects_to_the_checked_address(app, fake_dns):
    with app.app_context():
        target = check_url("https://hooks.example.com:8443/in?x=1")
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        8443,
        "/in?x=1",
        "93.184.215.14",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("010.1", "8.0.0.1"),
        ("1.2.3", "1.2.0.3"),
    ],
)
def test_ipv4_literals_are_read_like_inet_aton(text, expected):
    assert str(parse_ipv4_literal(text)) == expected


def test_names_are_not_mistaken_for_literals():
    assert parse_ipv4_literal("deadbeef") is None
    assert parse_ipv4_literal("1.2.3.4.5") is None
    assert parse_ipv4_literal("256.1.1.1") is None
