"""Login throttling per account and per IP, shared through Redis across processes."""

import multiprocessing
import os

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD


def _fail(client, email="owner@example.com"):
    return client.post("/login", data={"email": email, "password": "wrong-password"})


def test_a_throttled_sign_in_says_why(tenant_a, client_for):
    """The page read only "Too many requests. Please wait a moment": the throttle's own words were lost."""
    client = client_for(tenant_a, role=None)
    for _ in range(5):
        _fail(client)
    page = _fail(client).get_data(as_text=True)
    assert "Too many failed sign-in attempts. Please wait and try again." in page
    assert "Too many requests" not in page


def test_repeated_failures_on_an_account_are_refused_with_429(tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    statuses = [_fail(client).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    # Even the right password is refused while throttled.
    assert client.post("/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 429


def test_failures_across_many_accounts_throttle_the_ip(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    statuses = [_fail(client, email=f"user{i}@example.com").status_code for i in range(21)]
    assert 429 in statuses
    assert statuses.index(429) == 20


def test_an_address_over_its_budget_still_lets_other_accounts_sign_in(app, tenant_a, client_for):
    attacker = client_for(tenant_a, role=None)
    for i in range(20):
        assert _fail(attacker, email=f"user{i}@example.com").status_code == 200
    # Same address (one office NAT, or everyone behind an untrusted proxy): a colleague's
    # correct password still works, and so does an account of another tenant.
    colleague = client_for(tenant_a, role=None)
    assert colleague.post("/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code == 302


def test_an_address_over_its_budget_gets_one_guess_per_account(app, tenant_a, client_for):
    attacker = client_for(tenant_a, role=None)
    for i in range(20):
        _fail(attacker, email=f"user{i}@example.com")
    assert _fail(attacker, email="sales@example.com").status_code == 429  # checked, wrong, slowed
    # No second guess at that account from this address: not even the right password is checked.
    again = attacker.post("/login", data={"email": "sales@example.com", "password": PASSWORD})
    assert again.status_code == 429
    assert _fail(attacker, email="user0@example.com").status_code == 429  # it already failed there
    # From another address the account is untouched (one failure of five).
    other = client_for(tenant_a, role=None)
    response = other.post(
        "/login", data={"email": "sales@example.com", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    assert response.status_code == 302


def _proxied_app(app):
    from app import create_app

    keys = ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL")
    settings = {key: app.config[key] for key in keys if app.config.get(key)}
    return create_app("testing", BASE_DOMAIN="atrium.test", TRUSTED_PROXIES=1, **settings)


def _fail_from(client, tenant, forwarded_for, email="owner@example.com"):
    return client.post(
        "/login",
        data={"email": email, "password": "wrong-password"},
        base_url=tenant.base_url,
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the load balancer
    )


def test_behind_a_trusted_proxy_the_forwarded_client_is_throttled_not_the_proxy(app, tenant_a):
    from app.core.audit import AuditEvent
    from app.core.extensions import db
    from tests.conftest import in_tenant

    client = _proxied_app(app).test_client()
    for i in range(20):
        assert _fail_from(client, tenant_a, "203.0.113.7", email=f"user{i}@example.com").status_code == 200
    assert _fail_from(client, tenant_a, "203.0.113.7", email="user20@example.com").status_code == 429
    # Another client behind the same proxy has its own budget.
    assert _fail_from(client, tenant_a, "198.51.100.4", email="user21@example.com").status_code == 200
    with in_tenant(app, tenant_a):
        addresses = set(db.session.scalars(select(AuditEvent.ip_address).where(AuditEvent.action == "login.failed")))
    assert addresses == {"203.0.113.7", "198.51.100.4"}


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(app, tenant_a, client_for):
    client = client_for(tenant_a, role=None)
    # Rotating the header must not buy an attacker a fresh budget.
    statuses = [
        _fail_from(client, tenant_a, f"203.0.113.{i}", email=f"user{i}@example.com").status_code for i in range(21)
    ]
    assert statuses[20] == 429


def _concurrent_wrong_passwords(app, tenant, count):
    import threading

    barrier = threading.Barrier(count)
    statuses = []

    def attempt():
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/login", data={"email": "owner@example.com", "password": "wrong-password"}, base_url=tenant.base_url
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def _passwords_checked(app, tenant) -> int:
    from app.core.audit import AuditEvent
    from app.core.extensions import db
    from tests.conftest import in_tenant

    with in_tenant(app, tenant):
        return len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all())


def test_twenty_concurrent_wrong_passwords_check_the_password_only_five_times(app, tenant_a):
    statuses = _concurrent_wrong_passwords(app, tenant_a, 20)
    assert statuses == [200] * 5 + [429] * 15
    assert _passwords_checked(app, tenant_a) == 5


def test_throttle_of_one_tenant_does_not_lock_the_same_email_elsewhere(make_tenant, client_for):
    alpha, bravo = make_tenant("alpha"), make_tenant("bravo")
    for _ in range(6):
        _fail(client_for(alpha, role=None))
    response = client_for(bravo, role=None).post(
        "/login", data={"email": "owner@example.com", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert response.status_code == 302


def _attempts_in_own_process(settings, host, password, count, queue):
    """Run `count` login attempts from a fresh process whose only shared state is Redis."""
    from app import create_app

    app = create_app("testing", **settings)
    client = app.test_client()
    statuses = [
        client.post(
            "/login", data={"email": "owner@example.com", "password": password}, base_url=f"http://{host}"
        ).status_code
        for _ in range(count)
    ]
    queue.put(statuses)


def _redis_url():
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available(url) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return True
    except Exception:
        return False


def _run_in_process(settings, host, password, count):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_attempts_in_own_process, args=(settings, host, password, count, queue))
    process.start()
    statuses = queue.get(timeout=120)
    process.join(timeout=30)
    return statuses


@pytest.mark.skipif(not _redis_available(_redis_url()), reason="Redis not reachable")
def test_throttle_is_shared_across_processes_through_redis(app, tenant_a):
    import redis

    url = _redis_url()
    redis.Redis.from_url(url).flushdb()
    keys = ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL")
    settings = {key: app.config[key] for key in keys if app.config.get(key)}
    settings.update(BASE_DOMAIN="atrium.test", RATELIMIT_STORAGE_URI=url)
    try:
        assert _run_in_process(settings, tenant_a.host, "wrong-password", 5) == [200] * 5
        assert _run_in_process(settings, tenant_a.host, PASSWORD, 1) == [429]
    finally:
        redis.Redis.from_url(url).flushdb()


def _concurrent_attempts_in_own_process(settings, tenant_host, count, queue):
    from types import SimpleNamespace

    from app import create_app

    app = create_app("testing", **settings)
    queue.put(_concurrent_wrong_passwords(app, SimpleNamespace(base_url=f"http://{tenant_host}"), count))


@pytest.mark.skipif(not _redis_available(_redis_url()), reason="Redis not reachable")
def test_concurrent_wrong_passwords_are_counted_atomically_in_redis(app, tenant_a):
    import uuid

    import redis

    url = _redis_url()
    prefix = f"throttle-{uuid.uuid4().hex}"
    keys = ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL")
    settings = {key: app.config[key] for key in keys if app.config.get(key)}
    settings.update(BASE_DOMAIN="atrium.test", RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_concurrent_attempts_in_own_process, args=(settings, tenant_a.host, 20, queue))
    process.start()
    try:
        statuses = queue.get(timeout=120)
    finally:
        process.join(timeout=30)
        server = redis.Redis.from_url(url)
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
    assert statuses == [200] * 5 + [429] * 15
    assert _passwords_checked(app, tenant_a) == 5
