"""Job bodies used by the scheduler tests (referenced as "tests.jobs.sample_jobs:…")."""

import time

from app.core.audit import record_audit
from app.core.context import require_tenant_id


def record_tick(object_id):
    """Write one audit row per run, in the tenant's context (RLS would refuse it otherwise)."""
    record_audit("test.tick", actor_label="scheduler", details={"object": object_id, "at": time.time()})
    return {"tenant": str(require_tenant_id())}


def explode(object_id):
    raise RuntimeError(f"job for {object_id} failed on purpose")


def queue_welcome(object_id):
    """Queue an email the way a reminder or a campaign batch does, from inside a job."""
    from app.core.types import utcnow
    from app.messaging.services import queue_email

    context = {"agency": "A", "inviter": "B", "role": "Sales", "link": "http://x", "expires_at": utcnow()}
    return str(queue_email(f"{object_id}@example.com", "invitation", subject="Welcome", context=context).id)
