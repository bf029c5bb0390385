"""Configuration classes: every setting comes from the environment, with laptop defaults."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Signs sessions and CSRF tokens on a laptop; production refuses to start with it (anyone who
# has read this file could forge a session).
DEV_SECRET_KEY = "dev-only-secret-change-me"


def _default_sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'atrium.db'}"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Refuse to start with the dev SECRET_KEY (production only).
    REQUIRE_OWN_SECRET_KEY = False
    BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost:5000")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    # The app role (no table ownership, subject to row-level security).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_sqlite_url()
    # A role with BYPASSRLS used only inside platform_scope(); defaults to the app URL.
    PLATFORM_DATABASE_URL = os.environ.get("PLATFORM_DATABASE_URL")
    # The table owner, used by `flask db upgrade`; defaults to the app URL.
    MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    REDIS_URL = os.environ.get("REDIS_URL")
    # Without Redis, counters live in each process (app/core/limiter_storage.py says why not "memory://").
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "inprocess://"
    RATELIMIT_HEADERS_ENABLED = True

    SESSION_COOKIE_NAME = "atrium_session"
    ADMIN_SESSION_COOKIE_NAME = "atrium_admin_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    WTF_CSRF_TIME_LIMIT = None
    # Attachments (and every later upload) live under STORAGE_ROOT, one folder per tenant.
    STORAGE_ROOT = os.environ.get("STORAGE_ROOT", str(INSTANCE_DIR / "storage"))
    MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "25"))
    # Imported spreadsheets may be larger than attachments (a million rows is about 100 MB).
    IMPORT_MAX_MB = int(os.environ.get("IMPORT_MAX_MB", str(MAX_UPLOAD_MB)))
    # A request may carry one upload plus its form.
    MAX_CONTENT_LENGTH = (max(MAX_UPLOAD_MB, IMPORT_MAX_MB) + 1) * 1024 * 1024

    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Atrium <no-reply@atrium.test>")
    SENDGRID_API_KEY = os.environ.get("SENDGRID_API_KEY")
    SENDGRID_API_BASE = os.environ.get("SENDGRID_API_BASE", "https://api.sendgrid.com")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
    # Where the billing page's checkout and portal buttons lead (its CSP form-action allows them).
    STRIPE_PAGE_ORIGINS = os.environ.get(
        "STRIPE_PAGE_ORIGINS", "https://checkout.stripe.com https://billing.stripe.com"
    ).split()

    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER")
    # Unset in production (the client's own https://api.twilio.com); tests point it at a local server.
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE")
    # The "Signed Event Webhook" verification key (base64 ECDSA public key) from SendGrid's settings.
    SENDGRID_WEBHOOK_PUBLIC_KEY = os.environ.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    # Campaign batches: messages per batch, and how long a sender may hold a message before
    # it is reconciled with the provider (a process killed mid-send).
    MESSAGING_BATCH_SIZE = int(os.environ.get("MESSAGING_BATCH_SIZE", "500"))
    # How long one minute's run of a campaign may keep sending batches (under the scheduler's
    # one-minute interval, so two runs of a campaign never overlap).
    CAMPAIGN_RUN_SECONDS = int(os.environ.get("CAMPAIGN_RUN_SECONDS", "45"))
    OUTBOX_RECONCILE_SECONDS = int(os.environ.get("OUTBOX_RECONCILE_SECONDS", "300"))
    # An email claimed by a sender that died mid-call waits this long for SendGrid's `processed`
    # event before it is set aside as unconfirmed for an operator (never sent twice by itself).
    OUTBOX_UNCONFIRMED_SECONDS = int(os.environ.get("OUTBOX_UNCONFIRMED_SECONDS", "3600"))
    # Provider calls of one outbox batch made at once (network waits, not CPU).
    OUTBOX_SEND_CONCURRENCY = int(os.environ.get("OUTBOX_SEND_CONCURRENCY", "8"))
    # Seconds a SendGrid or Twilio call may take (connect, then each read) before it fails and
    # the message is retried: a slow provider cannot hang a scheduler thread.
    PROVIDER_TIMEOUT_SECONDS = float(os.environ.get("PROVIDER_TIMEOUT_SECONDS", "10"))

    TRIAL_DAYS = int(os.environ.get("TRIAL_DAYS", "14"))
    TRIAL_PLAN = os.environ.get("TRIAL_PLAN", "normal")
    PAST_DUE_GRACE_DAYS = int(os.environ.get("PAST_DUE_GRACE_DAYS", "7"))
    REQUIRE_ADMIN_TOTP = _env_bool("REQUIRE_ADMIN_TOTP", False)
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "65536"))

    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_FAILURES_PER_IP = os.environ.get("LOGIN_FAILURES_PER_IP", "20 per 15 minutes")
    LOGIN_SECOND_FACTOR_FAILURES = os.environ.get("LOGIN_SECOND_FACTOR_FAILURES", "5 per 15 minutes")
    # "Email me my workspaces": links sent to one address, whichever network asks for them.
    WORKSPACE_LINKS_PER_EMAIL = os.environ.get("WORKSPACE_LINKS_PER_EMAIL", "3 per hour")
    # Proxies in front of the app that set X-Forwarded-For/-Proto (0: trust none, the default).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Strict-Transport-Security on every response (production serves HTTPS only).
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", False)

    # Jobs send what they queued right after their own commit (requests never do; the
    # scheduler's outbox.deliver job sends theirs). The benchmarks turn it off.
    OUTBOX_DELIVER_AFTER_COMMIT = True
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    SCHEDULER_LOCK_FILE = os.environ.get("SCHEDULER_LOCK_FILE", str(INSTANCE_DIR / "scheduler.lock"))
    SCHEDULER_HEARTBEAT_SECONDS = float(os.environ.get("SCHEDULER_HEARTBEAT_SECONDS", "10"))
    SCHEDULER_MISFIRE_GRACE_SECONDS = int(os.environ.get("SCHEDULER_MISFIRE_GRACE_SECONDS", "3600"))
    SCHEDULER_THREADS = int(os.environ.get("SCHEDULER_THREADS", "4"))
    IMPERSONATION_MINUTES = int(os.environ.get("IMPERSONATION_MINUTES", "30"))
    DEV_MAILBOX_ENABLED = True
    TESTING = False
    # Record types declared outside the app ("module:NAME", comma-separated): the test
    # suite declares one to prove the kit gives any type everything.
    EXTRA_RECORD_TYPES = [item.strip() for item in os.environ.get("EXTRA_RECORD_TYPES", "").split(",") if item.strip()]
    # Non-public addresses outgoing webhooks may still call (comma-separated IPs or names):
    # empty in production; a developer's local receiver, say, in development.
    SSRF_ALLOWED_ADDRESSES = [
        item.strip() for item in os.environ.get("SSRF_ALLOWED_ADDRESSES", "").split(",") if item.strip()
    ]
    # Public web forms: submissions per IP and per form (Flask-Limiter syntax).
    FORM_SUBMISSIONS_PER_IP = os.environ.get("FORM_SUBMISSIONS_PER_IP", "10 per minute;60 per hour")
    FORM_SUBMISSIONS_PER_FORM = os.environ.get("FORM_SUBMISSIONS_PER_FORM", "120 per minute")


class DevelopmentConfig(Config):
    DEBUG = True


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"
    BASE_DOMAIN = "atrium.test"
    RATELIMIT_STORAGE_URI = "inprocess://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Cheap hashing keeps fixtures fast; the algorithm (argon2id) is the same.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    # A record type declared only in the tests: every app the suite makes (probes included)
    # has it, so the kit's promises are proven on a type no app code knows.
    EXTRA_RECORD_TYPES = ["tests.records.example:GADGETS"]
    # Never the real services with a developer's keys: tests that need a provider configure
    # one against a local server (the suite also refuses sockets that leave the machine).
    SENDGRID_API_KEY = None
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    TWILIO_ACCOUNT_SID = None
    TWILIO_AUTH_TOKEN = None
    TWILIO_FROM_NUMBER = None


class ProductionConfig(Config):
    REQUIRE_OWN_SECRET_KEY = True
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    REQUIRE_ADMIN_TOTP = _env_bool("REQUIRE_ADMIN_TOTP", True)
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", True)
    DEV_MAILBOX_ENABLED = False


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    return CONFIGS[name or os.environ.get("ATRIUM_ENV", "development")]
