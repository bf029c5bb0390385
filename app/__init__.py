"""Application factory: it only wires configuration, extensions, blueprints and hooks."""

from flask import Flask

from config import config_for


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, static_folder=None, host_matching=True, template_folder="../templates")
    app.config.from_object(config_for(config_name))
    app.config.update(overrides)
    check_settings(app)
    _trust_proxies(app)
    _configure_databases(app)
    register_extensions(app)
    register_domain(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def check_settings(app: Flask) -> None:
    from app.core.security import check_secret_key
    from app.messaging.providers import check_email_provider

    check_secret_key(app)
    check_email_provider(app)


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES load balancers, the client address and scheme are the ones they
    forward (the throttle counts the real client; HTTPS is recognised). With none trusted, a
    client's own X-Forwarded-For is ignored: it could otherwise name any address it likes."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _configure_databases(app: Flask) -> None:
    from pathlib import Path

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    platform_url = app.config.get("PLATFORM_DATABASE_URL")
    if platform_url and platform_url != uri:
        app.config.setdefault("SQLALCHEMY_BINDS", {})
        app.config["SQLALCHEMY_BINDS"] = {**app.config["SQLALCHEMY_BINDS"], "platform": platform_url}


def register_extensions(app: Flask) -> None:
    from app.auth.sessions import HostAwareSessionInterface
    from app.core import database
    from app.core.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.blueprint_login_views = {"console": "console.login"}
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are rotated and token-checked ourselves
    app.session_interface = HostAwareSessionInterface()
    database.install(app)
    from app import models  # noqa: F401  (every model is imported once, for mappers and Alembic)


def register_domain(app: Flask) -> None:
    """Record types, their permissions and event subscribers, before the blueprints that use them."""
    from app.wiring import (
        install_api,
        install_audit_labels,
        install_console,
        install_jobs,
        install_onboarding,
        install_plan_limits,
        install_record_types,
        install_request_companions,
        install_subscribers,
    )

    install_plan_limits(app)
    install_console(app)
    install_record_types(app)
    install_subscribers(app)
    install_api(app)
    install_request_companions(app)
    install_onboarding(app)
    install_jobs(app)
    install_audit_labels(app)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def register_blueprints(app: Flask) -> None:
    from app.blueprints import BLUEPRINTS, PLATFORM_SCOPE_ENDPOINTS
    from app.core.hosts import run_in_platform_scope

    for blueprint in BLUEPRINTS(app):
        app.register_blueprint(blueprint)
    run_in_platform_scope(app, *PLATFORM_SCOPE_ENDPOINTS)
    _register_static(app)


def _register_static(app: Flask) -> None:
    from pathlib import Path

    from flask import send_from_directory

    static_dir = Path(__file__).resolve().parent / "static"

    def static(filename):
        response = send_from_directory(static_dir, filename, max_age=3600)
        return response

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static, host="<host>")
    app.extensions.setdefault("atrium_endpoint_hosts", {})["static"] = "any"


def register_request_hooks(app: Flask) -> None:
    from app.core.hosts import add_current_host, drop_host_argument, release_request_tenant
    from app.core.security import add_security_headers, refuse_unstorable_input
    from app.core.transactions import abandon_request_transaction, finish_request_transaction
    from app.core.uploads import refuse_unexpected_files
    from app.tenants.hosts import resolve_request_host

    # after_request hooks run in reverse order: the commit must run last, so register it first.
    app.after_request(finish_request_transaction)
    app.after_request(add_security_headers)
    app.before_request(resolve_request_host)
    app.before_request(refuse_unstorable_input)
    app.before_request(refuse_unexpected_files)
    app.teardown_request(release_request_tenant)
    app.teardown_request(abandon_request_transaction)
    app.url_value_preprocessor(drop_host_argument)
    app.url_defaults(add_current_host)
    from app.plans.status import refuse_writes_when_read_only
    from app.superadmin.impersonation import install as install_impersonation

    # After the host (and its tenant) is resolved; an impersonated request is marked before the
    # read-only refusal looks at it.
    install_impersonation(app)
    app.before_request(refuse_writes_when_read_only)


def register_error_handlers(app: Flask) -> None:
    from app.core.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.core.templating import install
    from app.shell import install_shell

    install(app)
    install_shell(app)


def register_commands(app: Flask) -> None:
    from app.commands import COMMANDS

    for command in COMMANDS():
        app.cli.add_command(command)
