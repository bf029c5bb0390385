"""Test harness: a migrated database per xdist worker (SQLite, or PostgreSQL through the real
app/owner/platform roles), two look-alike tenants, and clients signed in as their users."""

import os
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.core.context import platform_scope, tenant_context
from app.core.extensions import db, limiter

TEST_BASE_DOMAIN = "atrium.test"
USE_POSTGRES = os.environ.get("ATRIUM_TEST_DB") == "postgresql"
PASSWORD = "correct-horse-battery"
NONCE_PATTERN = re.compile(rb'nonce(?:=|-)"?[A-Za-z0-9_\-]+"?')
# CSRF tokens are signed with a timestamp, so two pages a second apart differ there too.
CSRF_PATTERN = re.compile(rb'("X-CSRFToken": "|name="csrf_token" type="hidden" value=")[^"]+')

# Property tests check what code gives, not how fast: on a busy two-core CI machine one example
# took 282 ms against Hypothesis' default 200 ms deadline and failed a correct test.
settings.register_profile("atrium", deadline=None)
settings.load_profile("atrium")


def pytest_configure(config):
    """Before any test module is imported: no socket leaves this machine (see network_guard)."""
    from tests.network_guard import hosts_of, install

    install(hosts_of(os.environ.get("TEST_DATABASE_URL"), os.environ.get("REDIS_URL")))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_urls() -> dict[str, str]:
    admin_url = make_url(os.environ["TEST_DATABASE_URL"])
    return new_postgres_database(admin_url, f"{admin_url.database}_{_worker()}")


def new_postgres_database(admin_url, name: str) -> dict[str, str]:
    """An empty database `name` on the server of `admin_url` (dropped first if it is there) and
    the URLs of its owner, app, platform and admin roles."""
    from app.tenants.cli import create_postgres_roles

    server = create_engine(admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    urls = create_postgres_roles(
        admin_url.set(database=name).render_as_string(hide_password=False),
        owner=("atrium_owner", None),
        app=("atrium_app", None),
        platform=("atrium_platform", None),
    )
    urls["admin"] = admin_url.set(database=name).render_as_string(hide_password=False)
    return urls


def database_settings(tmp_path_factory) -> dict:
    if USE_POSTGRES:
        urls = _postgres_urls()
        return {
            "SQLALCHEMY_DATABASE_URI": urls["app"],
            "PLATFORM_DATABASE_URL": urls["platform"],
            "MIGRATION_DATABASE_URL": urls["owner"],
            "TEST_ADMIN_DATABASE_URL": urls["admin"],
        }
    path = tmp_path_factory.mktemp(f"db-{_worker()}") / "atrium-test.db"
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    settings = database_settings(tmp_path_factory)
    storage = str(tmp_path_factory.mktemp(f"storage-{_worker()}"))
    application = create_app("testing", BASE_DOMAIN=TEST_BASE_DOMAIN, STORAGE_ROOT=storage, **settings)
    with application.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    _create_test_only_tables(application)
    _seed_plans(application)
    yield application
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    for engine in _cleanup_engines.values():
        engine.dispose()


def _create_test_only_tables(application) -> None:
    """Tables of record types declared only in the tests, made as the migrations would: with
    row-level security and the app role's privileges."""
    from app.tenants.grants import ensure_privileges, roles_from_config
    from app.tenants.rls import ensure_row_level_security

    tables = [table for table in db.metadata.sorted_tables if table.info.get("test_only")]
    url = application.config.get("MIGRATION_DATABASE_URL") or application.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    with engine.begin() as connection:
        db.metadata.create_all(connection, tables=tables)
        if connection.dialect.name == "postgresql":
            ensure_row_level_security(connection)
            app_role, platform_role = roles_from_config(application.config, connection)
            ensure_privileges(connection, app_role=app_role, platform_role=platform_role)
    engine.dispose()


def _seed_plans(application) -> None:
    from app.plans.catalogue import seed_plans

    with application.app_context(), platform_scope():
        seed_plans()
        db.session.commit()
        with _cleanup_engine(application).connect() as conn:
            _seeded_plans[:] = _plans_fingerprint(conn)


_cleanup_engines: dict[str, object] = {}


def _cleanup_engine(application):
    """One engine per worker for the clean-up, as a role that sees every row (RLS aside)."""
    url = application.config["TEST_ADMIN_DATABASE_URL"] if USE_POSTGRES else None
    if url is None:
        return db.engine
    if url not in _cleanup_engines:
        _cleanup_engines[url] = create_engine(url)
    return _cleanup_engines[url]


def _plans_fingerprint(conn) -> list:
    return [tuple(row) for row in conn.execute(text("SELECT * FROM plans ORDER BY code"))]


def _tables_with_rows(conn, tables: list[str]) -> list[str]:
    """One statement answers which tables a test wrote to; emptying only those is what makes
    the clean-up cheap (most tests touch a handful of the app's tables)."""
    probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
    return [row[0] for row in conn.execute(text(probe))]


_seeded_plans: list = []


def _truncate_all(application) -> None:
    """Empty the tables the test wrote to; re-seed the plans only if the test changed them."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "plans"]
    with application.app_context():
        engine = _cleanup_engine(application)
        with engine.begin() as conn:
            dirty = _tables_with_rows(conn, tables)
            plans_changed = _plans_fingerprint(conn) != _seeded_plans
            if plans_changed:
                dirty.append("plans")
            # DELETE, not TRUNCATE: for a few rows it is many times faster on PostgreSQL (no
            # exclusive locks, no new files). Children before parents, so foreign keys stay on.
            for table in [*tables, "plans"]:
                if table in dirty:
                    conn.execute(text(f'DELETE FROM "{table}"'))
    if plans_changed:
        _seed_plans(application)


@pytest.fixture(autouse=True)
def _clean_state(request, app):
    """Every test starts from empty tables (plans seeded) and empty rate-limit counters."""
    yield
    with app.app_context():
        db.session.remove()
    _truncate_all(app)
    limiter.reset()


# ---------------------------------------------------------------------------- data helpers


@contextmanager
def in_tenant(app, tenant):
    """Run a block as `tenant` in its own app context; commits at the end."""
    tenant_id = tenant if isinstance(tenant, uuid.UUID) else tenant.id
    with app.app_context(), tenant_context(tenant_id):
        yield
        db.session.commit()


@contextmanager
def on_platform(app):
    with app.app_context(), platform_scope():
        yield
        db.session.commit()


def deliver_outbox(app) -> dict:
    """Run the scheduler's `outbox.deliver` job once, as the job runner does: send what requests
    queued (a request only writes the outbox row). Returns the job's counts."""
    from app.jobs.runner import execute

    with app.app_context():
        return execute("outbox.deliver", "app.messaging.jobs:deliver_outbox")


class TenantHandle:
    """What a test needs to talk about a tenant after its app context has closed."""

    def __init__(self, id, slug, name, users):
        self.id, self.slug, self.name, self.users = id, slug, name, users

    @property
    def host(self) -> str:
        return f"{self.slug}.{TEST_BASE_DOMAIN}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"


@pytest.fixture
def make_tenant(app):
    """make_tenant(slug, plan=..., status=..., roles=...) -> TenantHandle with one user per role."""

    def build(slug: str, *, plan: str = "premium", status: str = "active", roles=("owner", "admin", "sales", "viewer")):
        from app.auth.services import create_user
        from app.tenants.models import Domain, Tenant

        with on_platform(app):
            tenant = Tenant(slug=slug, name=f"{slug.title()} Agency", plan_code=plan, status=status)
            db.session.add(tenant)
            db.session.add(Domain(tenant=tenant, kind="subdomain", host=slug))
            db.session.flush()
            tenant_id, name = tenant.id, tenant.name
        users = {}
        with in_tenant(app, tenant_id):
            for role in roles:
                # Both tenants get the same addresses: isolation must not depend on unique emails.
                user = create_user(
                    email=f"{role}@example.com", name=f"{role.title()} Person", password=PASSWORD, role=role
                )
                users[role] = user.id
        return TenantHandle(tenant_id, slug, name, users)

    return build


@pytest.fixture
def as_user(app):
    """as_user(tenant, role="owner") -> context manager yielding the signed-in User for services."""
    from app.auth.models import User

    @contextmanager
    def run(tenant, role="owner"):
        with in_tenant(app, tenant.id):
            yield db.session.get(User, (tenant.id, tenant.users[role]))

    return run


@pytest.fixture
def set_tenant(app):
    """set_tenant(handle, plan=…, status=…, limit_overrides=…, past_due_since=…, …)"""

    def update(handle, **values):
        from app.tenants.models import Tenant

        with on_platform(app):
            tenant = db.session.get(Tenant, handle.id)
            for key, value in values.items():
                setattr(tenant, "plan_code" if key == "plan" else key, value)

    return update


@pytest.fixture
def tenant_a(make_tenant):
    return make_tenant("alpha")


@pytest.fixture
def tenant_b(make_tenant):
    return make_tenant("bravo")


class HostClient(FlaskClient):
    """A test client whose requests go to one host unless told otherwise."""

    default_base_url = "http://localhost"

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str) and "base_url" not in kwargs and "://" not in args[0]:
            kwargs["base_url"] = self.default_base_url
        return super().open(*args, **kwargs)


def host_client(app, base_url: str) -> HostClient:
    app.test_client_class = HostClient
    client = app.test_client()
    client.default_base_url = base_url
    return client


@pytest.fixture
def client_for(app):
    """client_for(tenant, role="owner") -> a test client on the tenant's host, signed in."""

    def build(tenant: TenantHandle, role: str | None = "owner", **kwargs):
        client = host_client(app, tenant.base_url)
        if role is not None:
            sign_in(app, client, tenant, tenant.users[role])
        return client

    return build


def sign_in(app, client, tenant: TenantHandle, user_id) -> None:
    from app.auth.models import User

    with in_tenant(app, tenant.id):
        user = db.session.get(User, (tenant.id, user_id))
        token = user.session_token
    with client.session_transaction(base_url=tenant.base_url) as session:
        session["_user_id"] = f"{user_id}:{token}"
        session["_fresh"] = True
        session["tenant_id"] = str(tenant.id)


@pytest.fixture
def apex_client(app):
    return host_client(app, f"http://{TEST_BASE_DOMAIN}")


@pytest.fixture
def admin_client(app):
    return host_client(app, f"http://admin.{TEST_BASE_DOMAIN}")


def strip_nonces(body: bytes) -> bytes:
    """CSP nonces and CSRF tokens differ on every response; remove them before comparing."""
    return CSRF_PATTERN.sub(rb"\1csrf", NONCE_PATTERN.sub(b"nonce", body))


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no csrf_token in page"
    return match.group(1)


@pytest.fixture
def query_counter(app):
    """with query_counter() as counted: ...; counted.count is the number of SQL statements."""
    from sqlalchemy import event

    class Counter:
        count = 0
        statements: list

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if statement.strip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
                counter.count += 1
                counter.statements.append(statement)

        with app.app_context():
            engines = list(db.engines.values())
        for engine in engines:
            event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def api_client_for(app):
    """api_client_for(tenant, scopes=ALL) -> a client sending a fresh API key of the tenant's owner."""
    from tests.api.client import make_api_client

    def build(tenant: TenantHandle, scopes=None, **kwargs):
        return make_api_client(app, tenant, scopes=scopes, **kwargs)

    return build


# ---------------------------------------------------------------------------- browser


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class LiveServer:
    def __init__(self, app, port):
        self.app, self.port = app, port
        self.base_domain = f"localhost:{port}"

    def url(self, path="/", slug: str | None = None) -> str:
        host = f"{slug}.{self.base_domain}" if slug else self.base_domain
        return f"http://{host}{path}"

    def sign_in(self, page, slug: str, role: str = "owner") -> None:
        """Sign the workspace's `role` user in through the login form, as a person would."""
        page.goto(self.url("/login", slug=slug))
        page.fill("input[name=email]", f"{role}@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.url("/", slug=slug))


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP on localhost (browsers resolve *.localhost to loopback)."""
    import socket
    import threading

    from werkzeug.serving import make_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    keys = ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL", "STORAGE_ROOT")
    settings = {key: app.config[key] for key in keys if app.config.get(key)}
    served = create_app("testing", BASE_DOMAIN=f"localhost:{port}", WTF_CSRF_ENABLED=True, **settings)
    server = make_server("127.0.0.1", port, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(served, port)
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import expect, sync_playwright

    # Two xdist workers, each with its live server and Chromium, share CI's two cores: an HTMX
    # swap can take longer than Playwright's 5 s default there. Waiting longer costs nothing
    # when the page is right, only when it is wrong.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page_at(browser):
    """page_at(width) -> a fresh page at that viewport width; console errors are collected."""
    contexts = []

    def build(width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        return page

    yield build
    for context in contexts:
        context.close()


ADMIN_EMAIL = "root@atrium.test"
ADMIN_PASSWORD = "correct-horse-battery"


@pytest.fixture
def platform_admin(app):
    from app.superadmin.admins import ensure_platform_admin

    with on_platform(app):
        admin, _ = ensure_platform_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Root")
        return admin.id, admin.session_token


@pytest.fixture
def console(app, platform_admin):
    """A client on admin.<base> signed in as the platform admin."""
    admin_id, token = platform_admin
    client = host_client(app, f"http://admin.{TEST_BASE_DOMAIN}")
    with client.session_transaction(base_url=f"http://admin.{TEST_BASE_DOMAIN}") as session:
        session["_user_id"] = f"{admin_id}:{token}"
        session["_fresh"] = True
    return client
