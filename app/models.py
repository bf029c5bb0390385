"""Import every model module so the mappers and Alembic see the whole schema."""

from app.auth.models import AuthToken, Invitation, User  # noqa: F401
from app.billing.models import BillingCustomer, BillingInvoice, BillingSubscription, StripeEvent  # noqa: F401
from app.core.audit import AuditEvent  # noqa: F401
from app.jobs.models import JobRun, SchedulerHeartbeat  # noqa: F401
from app.messaging.models import DevMailboxMessage, OutboxMessage  # noqa: F401
from app.plans.models import Plan, StatusChange, UsageMeter, UsageSnapshot  # noqa: F401
from app.superadmin.models import PlatformAdmin, PlatformAuditEvent  # noqa: F401
from app.tenants.models import Domain, Tenant  # noqa: F401
