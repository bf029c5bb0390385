"""A scheduled campaign still starts after an outage of the scheduler longer than the misfire
grace time: APScheduler dropped its start job as misfired, and the campaign stayed "Scheduled"
for a moment long past, sending nothing."""

import pickle
from datetime import timedelta

from sqlalchemy import select

from app.core.context import tenant_context
from app.core.extensions import db
from app.core.types import utcnow
from app.jobs.models import apscheduler_jobs
from app.jobs.tenant_jobs import tenant_job_id
from tests.crm.messaging.test_campaigns import _audience, _campaign


def test_a_scheduled_campaigns_start_is_a_late_run_job(app, tenant_a):
    tag_id = _audience(app, tenant_a, 1)
    at = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    campaign_id = _campaign(app, tenant_a, tag_id, scheduled_at=at.isoformat())
    with app.app_context(), tenant_context(tenant_a.id):
        state = db.session.scalar(
            select(apscheduler_jobs.c.job_state).where(
                apscheduler_jobs.c.id == tenant_job_id(tenant_a.id, "campaign-start", campaign_id)
            )
        )
        db.session.rollback()
    assert pickle.loads(state)["misfire_grace_time"] is None
