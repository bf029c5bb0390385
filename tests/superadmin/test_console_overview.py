"""Dashboard and jobs page."""

import json
import re
from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.messaging.models import OutboxMessage
from app.messaging.services import queue_email
from app.plans.usage import snapshot_usage
from tests.conftest import deliver_outbox, in_tenant
from tests.superadmin.conftest import platform_audit_actions


def test_dashboard_counts_plans_statuses_mrr_trials_and_limits(app, console, make_tenant, set_tenant):
    make_tenant("paying", plan="premium")
    make_tenant("unpaid", plan="normal", status="past_due")
    trying = make_tenant("trying", plan="normal", status="trialing")
    set_tenant(trying, trial_ends_at=utcnow() + timedelta(days=2))
    full = make_tenant("full", plan="free", roles=("owner", "admin"))
    with in_tenant(app, full.id):
        snapshot_usage()
    html = console.get("/").get_data(as_text=True)
    assert 'data-testid="stat-tenants">4<' in html
    assert 'data-testid="stat-mrr">$99<' in html  # only the active paid agency counts
    assert "Trying Agency" in html.split('data-testid="trials-ending"')[1]
    assert "Full Agency" in html.split('data-testid="at-limit"')[1]
    chart = json.loads(re.search(r'id="signups-chart"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert sum(chart["datasets"][0]["values"]) == 4
    assert "console.dashboard_viewed" in platform_audit_actions(app)


def test_jobs_page_shows_heartbeat_and_dead_letters_with_retry(app, console, tenant_a):
    from app.jobs.scheduler import beat

    beat(app, "leader", started_at=utcnow(), leader_since=utcnow())
    with in_tenant(app, tenant_a.id):
        message = queue_email(
            "lost@example.com",
            "invitation",
            subject="Lost",
            context={"agency": "A", "inviter": "B", "role": "Sales", "link": "http://x", "expires_at": utcnow()},
        )
        message.status, message.attempts, message.last_error = "dead", 8, "SendGrid answered 500"
        message_id = message.id
    html = console.get("/jobs").get_data(as_text=True)
    assert "running" in html.split('data-testid="scheduler-health"')[1][:400]
    assert "lost@example.com" in html
    assert 'data-testid="job-outbox.retry"' in html
    assert 'data-testid="job-outbox.deliver"' in html

    assert console.post(f"/jobs/outbox/{tenant_a.id}/{message_id}/retry").status_code == 302
    with in_tenant(app, tenant_a.id):
        retried = db.session.get(OutboxMessage, (tenant_a.id, message_id))
        assert (retried.status, retried.attempts) == ("queued", 0)  # the request only queues it
    assert deliver_outbox(app)["sent"] == 1
    with in_tenant(app, tenant_a.id):
        assert db.session.get(OutboxMessage, (tenant_a.id, message_id)).status == "sent"
    assert "outbox.message_retried" in platform_audit_actions(app, tenant_a.id)
    assert console.post(f"/jobs/outbox/{tenant_a.id}/{message_id}/retry").status_code == 302
    assert b"Only dead-lettered" in console.get("/jobs").data


def test_retrying_another_tenants_message_id_under_the_wrong_tenant_is_404(app, console, tenant_a, tenant_b):
    with in_tenant(app, tenant_a.id):
        message = queue_email(
            "x@example.com",
            "invitation",
            subject="X",
            context={"agency": "A", "inviter": "B", "role": "Sales", "link": "http://x", "expires_at": utcnow()},
        )
        message.status = "dead"
        message_id = message.id
    assert console.post(f"/jobs/outbox/{tenant_b.id}/{message_id}/retry").status_code == 404
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(OutboxMessage.status)) == "dead"


def test_the_at_limit_figure_counts_every_agency_at_a_limit_not_only_those_listed(
    app, console, make_tenant, monkeypatch
):
    """The card said how many agencies the list showed (at most 20), not how many were at a limit."""
    from app.superadmin import dashboard

    monkeypatch.setattr(dashboard, "AT_LIMIT_SHOWN", 1)
    make_tenant("full", plan="free", roles=("owner", "admin"))
    make_tenant("fuller", plan="free", roles=("owner", "admin"))
    html = console.get("/").get_data(as_text=True)
    assert 'data-testid="stat-at-limit">2<' in html
    listed = html.split('data-testid="at-limit"')[1]
    assert listed.count("list-group-item") == 1
    assert "Showing 1 of 2." in listed


def test_the_overview_figures_link_to_the_agencies_they_count(app, console, make_tenant, set_tenant):
    """ "Trials ending in 7 days: 1" led nowhere, and the agencies list could not show those
    agencies: its status filter listed every trial, ending next week or next quarter."""
    soon = make_tenant("soon", plan="normal", status="trialing", roles=("owner",))
    set_tenant(soon, trial_ends_at=utcnow() + timedelta(days=2))
    later = make_tenant("later", plan="normal", status="trialing", roles=("owner",))
    set_tenant(later, trial_ends_at=utcnow() + timedelta(days=40))
    html = console.get("/").get_data(as_text=True)
    assert 'href="/tenants"' in html.split('data-testid="stat-tenants"')[1].split("</div></div></div>")[0]
    trials_card = html.split('data-testid="stat-trials"')[1].split("</div></div></div>")[0]
    assert 'href="/tenants?status=trial_ending"' in trials_card
    listed = console.get("/tenants?status=trial_ending").get_data(as_text=True)
    assert 'data-testid="tenant-row-soon"' in listed
    assert 'data-testid="tenant-row-later"' not in listed
