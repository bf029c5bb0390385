"""Platform job of web forms: take in waitlisted submissions once a plan has room again."""

from sqlalchemy import select

from app.crm.forms import intake
from app.crm.forms.models import FormSubmission, SubmissionStatus
from app.jobs.dispatch import for_each_tenant
from app.jobs.registry import PlatformJob
from app.plans.services import writable_tenants

WAITLISTS_JOB = PlatformJob(
    "forms.process_waitlists",
    "app.crm.forms.jobs:process_waitlists",
    "interval",
    {"hours": 1},
    "Takes in web form submissions that waited for room in the plan.",
)


def process_waitlists() -> dict:
    """Hourly: every tenant with waitlisted submissions tries them again (after an upgrade, a
    deleted contact or a raised limit, they go through without anyone pressing a button). A read-only
    workspace keeps its waitlist until it may write again."""
    waiting = (
        select(FormSubmission.tenant_id)
        .where(FormSubmission.status == SubmissionStatus.WAITLISTED, FormSubmission.tenant_id.in_(writable_tenants()))
        .distinct()
    )
    return for_each_tenant(waiting, lambda tenant_id: intake.process_waitlist()["accepted"])
