"""Import every model module so the mappers and Alembic see the whole schema."""

from app.api.models import ApiKey  # noqa: F401
from app.auth.models import AuthToken, Invitation, User  # noqa: F401
from app.billing.models import BillingCustomer, BillingInvoice, BillingSubscription, StripeEvent  # noqa: F401
from app.core.audit import AuditEvent  # noqa: F401
from app.core.events import DomainEvent, EventDelivery  # noqa: F401
from app.crm.activities.models import Activity  # noqa: F401
from app.crm.attachments.models import Attachment  # noqa: F401
from app.crm.companies.models import Company  # noqa: F401
from app.crm.contacts.models import Contact, ContactEmail, ContactPhone  # noqa: F401
from app.crm.fields.models import FieldDefinition  # noqa: F401
from app.crm.leads.models import Lead  # noqa: F401
from app.crm.tags.models import Tag  # noqa: F401
from app.jobs.models import JobRun, SchedulerHeartbeat  # noqa: F401
from app.messaging.models import DevMailboxMessage, OutboxMessage  # noqa: F401
from app.plans.models import Plan, StatusChange, UsageMeter, UsageSnapshot  # noqa: F401
from app.records.models import RecordEntry, SavedView  # noqa: F401
from app.superadmin.models import PlatformAdmin, PlatformAuditEvent  # noqa: F401
from app.tenants.models import Domain, Tenant  # noqa: F401
