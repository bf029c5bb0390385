"""Rate limits: the plan's calls per day through the usage meter, and a burst limit per key."""

from app.core.extensions import db
from tests.conftest import in_tenant, on_platform

TAGS = "/api/v1/tags"


def _meter(app, tenant) -> int:
    from app.plans.services import current_period, meter_value

    with in_tenant(app, tenant.id):
        return meter_value("api_calls_per_day", current_period("api_calls_per_day"))


def test_every_response_carries_rate_limit_headers(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    for response in (api.get(TAGS), api.get(f"{TAGS}/00000000-0000-0000-0000-000000000000"), api.post(TAGS, json={})):
        assert response.status_code in (200, 404, 422)
        assert int(response.headers["X-RateLimit-Limit"]) == 100_000  # premium's calls per day
        assert int(response.headers["X-RateLimit-Remaining"]) >= 0
        assert int(response.headers["X-RateLimit-Reset"]) > 0


def test_remaining_goes_down_with_each_call(api_client_for, tenant_a):
    api = api_client_for(tenant_a)
    first = int(api.get(TAGS).headers["X-RateLimit-Remaining"])
    second = int(api.get(TAGS).headers["X-RateLimit-Remaining"])
    assert second == first - 1


def test_every_call_counts_on_the_meter_refused_ones_too(app, api_client_for, tenant_a):
    api = api_client_for(tenant_a, scopes=["tags:read"])
    api.get(TAGS)  # 200
    api.post(TAGS, json={"name": "x"})  # 403: no write scope
    api.get(f"{TAGS}/00000000-0000-0000-0000-000000000000")  # 404
    assert _meter(app, tenant_a) == 3


def test_unauthenticated_calls_do_not_spend_the_tenants_allowance(app, client_for, tenant_a):
    client_for(tenant_a, role=None).get(TAGS)
    assert _meter(app, tenant_a) == 0


def test_daily_allowance_used_up_is_429_with_headers(app, api_client_for, tenant_a):
    from app.tenants.models import Tenant

    with on_platform(app):
        db.session.get(Tenant, tenant_a.id).limit_overrides = {"api_calls_per_day": 2}
    api = api_client_for(tenant_a)
    assert api.get(TAGS).status_code == 200
    assert api.get(TAGS).status_code == 200
    refused = api.get(TAGS)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"
    assert refused.json["error"]["details"]["limit"] == 2
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["Retry-After"]) >= 1


def test_burst_limit_per_key_is_429(app, api_client_for, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "API_BURST_LIMIT", 3)
    api = api_client_for(tenant_a)
    other_key = api_client_for(tenant_a)
    statuses = [api.get(TAGS).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.get(TAGS)
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 11
    assert other_key.get(TAGS).status_code == 200  # the window is per key


def test_a_write_past_the_days_allowance_is_rolled_back_whole(app, api_client_for, tenant_a):
    from app.crm.tags.models import Tag
    from app.tenants.models import Tenant

    with on_platform(app):
        db.session.get(Tenant, tenant_a.id).limit_overrides = {"api_calls_per_day": 1}
    api = api_client_for(tenant_a)
    assert api.post(TAGS, json={"name": "Counted"}).status_code == 201
    refused = api.post(TAGS, json={"name": "Past the allowance"})
    assert refused.status_code == 429
    with in_tenant(app, tenant_a.id):
        assert [tag.name for tag in db.session.query(Tag)] == ["Counted"]
    assert _meter(app, tenant_a) == 2  # the refused call counts too


def test_concurrent_calls_never_pass_the_days_allowance(app, api_client_for, tenant_a):
    """Each call takes the meter's row lock only at its end: concurrent writes past the
    allowance are refused and leave nothing behind."""
    import threading

    from app.crm.tags.models import Tag
    from app.tenants.models import Tenant

    with on_platform(app):
        db.session.get(Tenant, tenant_a.id).limit_overrides = {"api_calls_per_day": 5}
    callers = [api_client_for(tenant_a) for _ in range(12)]
    barrier, statuses = threading.Barrier(len(callers)), []

    def call(index, api):
        barrier.wait(timeout=30)
        statuses.append(api.post(TAGS, json={"name": f"Tag {index}"}).status_code)

    threads = [threading.Thread(target=call, args=pair) for pair in enumerate(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [201] * 5 + [429] * 7
    with in_tenant(app, tenant_a.id):
        assert db.session.query(Tag).count() == 5
    assert _meter(app, tenant_a) == 12


def test_the_burst_window_starts_no_thread_per_call(api_client_for, tenant_a, monkeypatch):
    # `limits`' memory:// storage started a Timer thread on nearly every call once its last
    # one had run out (10 ms), which cost the API list a few per cent of its CPU.
    import threading

    timers = []
    real_timer = threading.Timer

    def counting_timer(*args, **kwargs):
        timers.append(args)
        return real_timer(*args, **kwargs)

    monkeypatch.setattr(threading, "Timer", counting_timer)
    api = api_client_for(tenant_a)
    for _ in range(20):
        assert api.get(TAGS).status_code == 200
    assert timers == []
