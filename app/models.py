"""Import every model module so the mappers and Alembic see the whole schema."""

from app.api.models import ApiKey  # noqa: F401
from app.auth.models import AuthToken, Invitation, User  # noqa: F401
from app.billing.models import BillingCustomer, BillingInvoice, BillingSubscription, StripeEvent  # noqa: F401
from app.core.audit import AuditEvent  # noqa: F401
from app.core.events import DomainEvent, EventDelivery  # noqa: F401
from app.crm.activities.models import Activity  # noqa: F401
from app.crm.attachments.models import Attachment  # noqa: F401
from app.crm.automations.models import Workflow, WorkflowRun, WorkflowStepLog  # noqa: F401
from app.crm.calendar.models import Booking, BookingType, CalendarFeed, Meeting, MeetingAttendee  # noqa: F401
from app.crm.companies.models import Company  # noqa: F401
from app.crm.contacts.models import Contact, ContactEmail, ContactPhone  # noqa: F401
from app.crm.deals.models import (  # noqa: F401
    Deal,
    DealContact,
    DealReason,
    ForecastSettings,
    ForecastSnapshot,
    Pipeline,
    Quota,
    Stage,
    StageChange,
)
from app.crm.duplicates.models import DuplicatePair  # noqa: F401
from app.crm.exports.models import WorkspaceExport  # noqa: F401
from app.crm.fields.models import FieldDefinition  # noqa: F401
from app.crm.forms.models import FormDailyStat, FormSubmission, RecordAttribution, WebForm  # noqa: F401
from app.crm.imports.models import DataImport, ImportRow, ImportTemplate  # noqa: F401
from app.crm.invoices.models import Invoice, InvoiceLine, Payment  # noqa: F401
from app.crm.leads.models import Lead  # noqa: F401
from app.crm.messaging.models import (  # noqa: F401
    Campaign,
    ConsentChange,
    Conversation,
    Message,
    MessageEvent,
    MessageTemplate,
    MessagingSettings,
    Suppression,
)
from app.crm.orders.models import Order, OrderLine  # noqa: F401
from app.crm.products.models import Product  # noqa: F401
from app.crm.quotes.models import DocumentSequence, Quote, QuoteLine, QuoteSettings, QuoteVersion  # noqa: F401
from app.crm.segments.models import Segment  # noqa: F401
from app.crm.subscriptions.models import Subscription  # noqa: F401
from app.crm.tags.models import Tag  # noqa: F401
from app.crm.tasks.models import Task  # noqa: F401
from app.crm.webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: F401
from app.jobs.models import JobRun, SchedulerHeartbeat  # noqa: F401
from app.messaging.models import DevMailboxMessage, OutboxMessage  # noqa: F401
from app.notifications.models import Notification, NotificationPreference, Reminder  # noqa: F401
from app.plans.models import Plan, StatusChange, UsageMeter, UsageSnapshot  # noqa: F401
from app.records.models import RecordEntry, SavedView  # noqa: F401
from app.superadmin.models import PlatformAdmin, PlatformAuditEvent  # noqa: F401
from app.tenants.models import Domain, Tenant  # noqa: F401
