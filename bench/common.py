"""Shared by the benchmark scripts: database URLs for the three roles and the app on them."""

import os

from sqlalchemy.engine import make_url

BENCH_DOMAIN = "bench.test"
BIG_SLUG = "bigco"
SMALL_SLUGS = [f"small{index:02d}" for index in range(1, 21)]


def admin_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        raise SystemExit("Set BENCH_DATABASE_URL, e.g. postgresql+psycopg://postgres@127.0.0.1/atrium_bench")
    return url


def role_urls() -> dict[str, str]:
    """The owner / app / platform role URLs (created by generate.py) for the bench database."""
    url = make_url(admin_url())

    def as_role(name):
        return url.set(username=name, password=None).render_as_string(hide_password=False)

    return {"owner": as_role("atrium_owner"), "app": as_role("atrium_app"), "platform": as_role("atrium_platform")}


def make_app(**overrides):
    from app import create_app

    urls = role_urls()
    settings = {
        "SQLALCHEMY_DATABASE_URI": urls["app"],
        "PLATFORM_DATABASE_URL": urls["platform"],
        "MIGRATION_DATABASE_URL": urls["owner"],
        "BASE_DOMAIN": BENCH_DOMAIN,
        "DEBUG": False,
        "OUTBOX_DELIVER_AFTER_COMMIT": False,
    }
    return create_app("development", **(settings | overrides))


def psycopg_dsn(url: str) -> str:
    """psycopg wants postgresql://, SQLAlchemy's URL says postgresql+psycopg://."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def replay_connection(url: str, *, custom_plans: bool):
    """A psycopg connection set up as the app sets up its own (app.core.database): the app
    role's plans only custom ones, so "raw" runs each statement under the plan the app gets."""
    import psycopg

    conn = psycopg.connect(psycopg_dsn(url))
    if custom_plans:
        conn.execute("SET plan_cache_mode = force_custom_plan")
        conn.commit()
    return conn
