"""The dev mailbox holds every tenant's reset and invitation links: development only."""

import pytest
from sqlalchemy import func, select

from app import create_app
from app.core.extensions import db
from app.messaging.models import DevMailboxMessage, OutboxMessage, OutboxStatus
from app.messaging.providers import EmailNotConfigured
from tests.conftest import deliver_outbox, in_tenant, on_platform


def test_production_refuses_to_start_without_a_real_email_provider(monkeypatch):
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    with pytest.raises(EmailNotConfigured, match="SENDGRID_API_KEY"):
        create_app(
            "production", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="s3cret-for-tests", SENDGRID_API_KEY=None
        )


def test_production_starts_with_sendgrid_configured():
    app = create_app(
        "production", SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="s3cret-for-tests", SENDGRID_API_KEY="SG.key"
    )
    assert not app.config["DEV_MAILBOX_ENABLED"]


def test_with_the_mailbox_off_an_email_is_kept_nowhere_readable(app, tenant_a, client_for):
    app.config["DEV_MAILBOX_ENABLED"] = False
    try:
        response = client_for(tenant_a).post(
            "/settings/users/invite", data={"email": "new@example.com", "role": "sales"}
        )
        assert deliver_outbox(app)["queued"] == 1
    finally:
        app.config["DEV_MAILBOX_ENABLED"] = True
    assert response.status_code == 302
    with on_platform(app):
        assert db.session.scalar(select(func.count()).select_from(DevMailboxMessage)) == 0
    with in_tenant(app, tenant_a):
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.status == OutboxStatus.QUEUED
        assert "no email provider" in message.last_error
