"""Login throttling per account and per IP, shared through Redis across processes."""

import multiprocessing
import os

import pytest

from tests.conftest import PASSWORD


def _fail(client, email="owner@example.com"):
    return client.post("/login", data={"email": email, "password": "wrong-password"})


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
