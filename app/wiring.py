"""What the app is made of beyond blueprints: its record types, who listens to domain events,
and the permission areas that are not record types. The factory installs them in order."""

from sqlalchemy import event as sqlalchemy_events

from app.api.scopes import register_scope_object
from app.auth.permissions import MANAGERS, RECORD_ACTIONS, WRITERS, register_permission, register_record_permissions
from app.core.audit import audit_domain_event
from app.core.events import subscribe


def RECORD_TYPES():  # noqa: N802 - reads as a constant at the call site
    """Every CRM record type; a new type adds its line here."""
    from app.crm.calendar.record import MEETINGS
    from app.crm.companies.record import COMPANIES
    from app.crm.contacts.record import CONTACTS
    from app.crm.deals.record import DEALS
    from app.crm.invoices.record import INVOICES
    from app.crm.leads.record import LEADS
    from app.crm.orders.record import ORDERS
    from app.crm.products.record import PRODUCTS
    from app.crm.quotes.record import QUOTES
    from app.crm.subscriptions.record import SUBSCRIPTIONS
    from app.crm.tasks.record import TASKS

    return [CONTACTS, COMPANIES, LEADS, DEALS, PRODUCTS, QUOTES, ORDERS, INVOICES, SUBSCRIPTIONS, TASKS, MEETINGS]


def extra_record_types(app) -> list:
    """Types named in EXTRA_RECORD_TYPES ("module:NAME"): a type declared outside the app —
    the test suite's own, say — gets pages, an API resource and every capability too."""
    from werkzeug.utils import import_string

    return [import_string(path.replace(":", ".")) for path in app.config.get("EXTRA_RECORD_TYPES") or ()]


def install_record_types(app) -> None:
    from app.core.navigation import NavMenu, register_nav_menu
    from app.crm.messaging.setup import install_messaging
    from app.records.setup import install_contributions, install_record_type
    from app.records.templating import install_template_helpers

    register_record_permissions("activities", "Activities")
    register_record_permissions("files", "Files", grants={"delete": WRITERS, "export": MANAGERS})
    install_sales_areas(app)
    install_data_tools(app)
    register_scope_object("notifications", "Notifications")
    register_record_permissions("booking_types", "Booking pages", grants={"delete": WRITERS})
    register_permission("booking_types.manage_team", MANAGERS)
    register_scope_object("booking_types", "Booking pages")
    register_nav_menu(NavMenu("sales", "Sales", "briefcase", order=50))
    register_nav_menu(NavMenu("marketing", "Marketing", "megaphone", order=55))
    install_messaging(app)
    types = RECORD_TYPES() + extra_record_types(app)
    for record_type in types:
        install_record_type(record_type)
    install_contributions(types)
    install_privacy_panels(types)
    install_record_data_hooks(app)
    install_template_helpers(app)
    from app.crm.calendar.fields import install_template_helpers as install_calendar_helpers

    install_calendar_helpers(app)


def install_plan_limits(app) -> None:
    """The limits and features the plan pages may sell, each named by the code that enforces it
    (record types with a meter register theirs when they are installed)."""
    from app.auth.services import count_seats, count_seats_by_tenant, seats_expression
    from app.crm.attachments.services import stored_megabytes
    from app.crm.fields.services import count_field_definitions
    from app.plans.services import register_feature, register_metered_limit, register_usage_counter

    register_usage_counter("users", count_seats, grouped=count_seats_by_tenant, expression=seats_expression)
    register_usage_counter("custom_fields", count_field_definitions)
    register_usage_counter("storage_mb", stored_megabytes)
    register_metered_limit("api_calls_per_day")
    register_metered_limit("emails_per_month")  # app.crm.messaging: every send and campaign batch
    register_metered_limit("sms_per_month")
    register_feature("api")
    register_feature("custom_fields")
    register_feature("quote_pdf")
    register_feature("sms")


def install_console(app) -> None:
    """Platform admins sign in on the admin host; the console's own pages come with its blueprints."""
    from app.auth.sessions import register_host_users
    from app.core.hosts import ADMIN
    from app.superadmin.models import PlatformAdmin

    register_host_users(ADMIN, PlatformAdmin)


def install_sales_areas(app) -> None:
    """Pipelines (stages and close reasons with them) and quotas: everyone reads them,
    managers change them; lead conversion can make a deal; forecasts are snapshotted monthly."""
    from app.api.scopes import register_scope_object
    from app.crm.deals.jobs import SNAPSHOT_JOB
    from app.crm.deals.services.deals import create_deal_from_lead
    from app.crm.deals.services.pipelines import count_pipelines
    from app.crm.deals.templating import install_deal_templating
    from app.crm.leads.services import DEAL_CREATORS
    from app.jobs.registry import register_platform_job
    from app.plans.services import register_usage_counter

    managed = {"create": MANAGERS, "edit": MANAGERS, "delete": MANAGERS}
    register_record_permissions("pipelines", "Pipelines", grants=managed)
    register_record_permissions("quotas", "Quotas", grants=managed)
    register_scope_object("pipelines", "Pipelines and stages")
    register_usage_counter("pipelines", count_pipelines)
    if create_deal_from_lead not in DEAL_CREATORS:
        DEAL_CREATORS.append(create_deal_from_lead)
    install_deal_templating(app)
    register_platform_job(SNAPSHOT_JOB)


def install_data_tools(app) -> None:
    """Segments, imports and exports (tools that work across record types): permissions and
    API scopes. Who may change a segment someone else shared: `segments.manage_shared`;
    who may run or revert someone else's import: `imports.manage`."""
    from app.api.scopes import register_scope_object
    from app.auth.models import Role
    from app.crm.duplicates.jobs import SCAN_JOB
    from app.jobs.registry import register_platform_job

    register_record_permissions("segments", "Segments", grants={"delete": WRITERS})
    register_permission("segments.manage_shared", MANAGERS)
    register_scope_object("segments", "Segments")
    # Importing into a type also needs that type's create (and edit, delete) permission.
    register_permission("imports.run", WRITERS)
    register_permission("imports.manage", MANAGERS)
    register_scope_object("imports", "Imports")
    register_permission("workspace.export", {Role.OWNER})
    # Reviewing candidate pairs; merging also needs the type's edit and delete permissions.
    register_permission("duplicates.review", WRITERS)
    register_scope_object("duplicates", "Duplicates")
    register_platform_job(SCAN_JOB)


def install_privacy_panels(types) -> None:
    """The page of a record about a person (a contact, a lead) offers its data for download,
    and its erasure."""
    from app.crm.privacy.views import privacy_panel
    from app.records.capabilities import Panel
    from app.records.registry import contribute

    for record_type in types:
        if record_type.about_a_person:
            contribute(record_type.name, "panel", Panel("privacy", "crm/privacy/_panel.html", privacy_panel, order=200))


def install_record_data_hooks(app) -> None:
    """Data that domains keep about a record outside its own tables: the privacy tools export
    and erase it with the record, and merging records moves what the schema cannot show."""
    from app.crm.automations.personal_data import erase_workflow_data, export_workflow_data
    from app.crm.calendar.personal_data import erase_booking_data, export_booking_data
    from app.crm.calendar.services import merge_attendee_keys
    from app.crm.deals.services.deals import keep_a_primary_contact
    from app.crm.duplicates.merging import register_merge_step
    from app.crm.forms.personal_data import erase_form_data, export_form_data, merge_form_data
    from app.crm.imports.personal_data import erase_import_data, export_import_data
    from app.crm.messaging.personal_data import erase_messaging_data, export_messaging_data
    from app.crm.privacy.services import register_erase_hook, register_export_hook
    from app.crm.webhooks.personal_data import erase_webhook_data, export_webhook_data

    for export, erase in (
        (export_form_data, erase_form_data),
        (export_messaging_data, erase_messaging_data),
        (export_workflow_data, erase_workflow_data),
        (export_webhook_data, erase_webhook_data),
        (export_import_data, erase_import_data),
        (export_booking_data, erase_booking_data),
    ):
        register_export_hook(export)
        register_erase_hook(erase)
    register_merge_step(merge_attendee_keys)
    register_merge_step(keep_a_primary_contact)
    register_merge_step(merge_form_data)


def API_RESOURCES():  # noqa: N802 - reads as a constant at the call site
    """Every resource blueprint of REST v1; a domain with an `api.py` adds its line here."""
    from app.crm.activities.api import blp as activities
    from app.crm.automations.api import blp as automations
    from app.crm.calendar.api import blp as meetings
    from app.crm.calendar.api import booking_types_api as booking_types
    from app.crm.companies.api import blp as companies
    from app.crm.contacts.api import blp as contacts
    from app.crm.deals.api import blp as deals
    from app.crm.deals.api import pipelines_blp, reasons_blp, stages_blp
    from app.crm.duplicates.api import blp as duplicates
    from app.crm.exports.api import blp as exports
    from app.crm.fields.api import blp as fields
    from app.crm.forms.api import blp as forms
    from app.crm.imports.api import blp as imports
    from app.crm.invoices.api import blp as invoices
    from app.crm.leads.api import blp as leads
    from app.crm.messaging.api import MESSAGING_RESOURCES
    from app.crm.orders.api import blp as orders
    from app.crm.products.api import blp as products
    from app.crm.quotes.api import blp as quotes
    from app.crm.search.api import blp as search
    from app.crm.segments.api import blp as segments
    from app.crm.subscriptions.api import blp as subscriptions
    from app.crm.tags.api import blp as tags
    from app.crm.tasks.api import blp as tasks
    from app.crm.webhooks.api import blp as webhooks
    from app.notifications.api import blp as notifications
    from app.records.api import catalogue_api

    return [
        contacts,
        companies,
        leads,
        deals,
        pipelines_blp,
        stages_blp,
        reasons_blp,
        activities,
        tags,
        fields,
        catalogue_api,
        segments,
        search,
        duplicates,
        imports,
        exports,
        tasks,
        meetings,
        booking_types,
        notifications,
        products,
        quotes,
        orders,
        invoices,
        subscriptions,
        *MESSAGING_RESOURCES,
        forms,
        automations,
        webhooks,
    ]


def install_api(app) -> None:
    """The resources mounted under /api/v1 (the kit's for a record type with no `api.py`,
    one from EXTRA_RECORD_TYPES too) and the fillers that put the tenant's own fields into its
    OpenAPI document."""
    from app.api.mount import set_api_resources
    from app.api.spec import register_document_filler
    from app.crm.fields.openapi import fill_custom_fields
    from app.records.api import record_api_blueprint
    from app.records.setup import unserved_record_types

    listed = API_RESOURCES()
    types = RECORD_TYPES() + extra_record_types(app)
    kit = [record_api_blueprint(record_type) for record_type in unserved_record_types(types, listed, prefix="api_")]
    set_api_resources(app, listed + kit)
    register_document_filler(fill_custom_fields)


def install_request_companions(app) -> None:
    """Who is asking — the session's user, the presented API key — is read with the tenant's row."""
    from app.api.services import presented_key_companion
    from app.auth.sessions import signed_in_user_companion
    from app.tenants.hosts import register_companion

    register_companion(signed_in_user_companion)
    register_companion(presented_key_companion)


def install_onboarding(app) -> None:
    """Demo data for `seed-demo`, and the first steps the dashboard's checklist suggests."""
    from sqlalchemy import select

    from app.agency.cli import DEMO_FINISHERS, DEMO_SEEDERS
    from app.api.demo import seed_api_demo
    from app.core.extensions import db
    from app.crm.automations.demo import seed_automation_demo
    from app.crm.contacts.models import Contact
    from app.crm.deals.demo import seed_deals_demo
    from app.crm.deals.models import Deal
    from app.crm.demo import seed_crm_demo
    from app.crm.duplicates.demo import seed_duplicates_demo
    from app.crm.invoices.demo import seed_invoices_demo
    from app.crm.leads.models import Lead
    from app.crm.messaging.demo import seed_messaging_demo
    from app.crm.quotes.demo import seed_quotes_demo
    from app.crm.segments.demo import seed_segments_demo
    from app.dashboard.views import register_checklist_step
    from app.notifications.demo import settle_notifications_demo
    from app.plans.demo import seed_usage_history_demo

    def has(model):
        return lambda tenant: db.session.scalar(select(model.id).limit(1)) is not None

    from app.crm.imports.demo import finish_imports_demo, seed_imports_demo

    seeders = (
        seed_crm_demo,
        seed_deals_demo,
        seed_quotes_demo,
        seed_invoices_demo,
        seed_segments_demo,
        seed_imports_demo,
        seed_duplicates_demo,
        seed_messaging_demo,
        seed_automation_demo,
        seed_api_demo,
    )
    for seeder in seeders:
        if seeder not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seeder)
    # The usage history last: it reads the counts the other finishers leave.
    for finisher in (finish_imports_demo, settle_notifications_demo, seed_usage_history_demo):
        if finisher not in DEMO_FINISHERS:
            DEMO_FINISHERS.append(finisher)
    register_checklist_step("first_contact", "Add your first contact", "contacts.new", has(Contact), "contacts.create")
    register_checklist_step("first_lead", "Capture your first lead", "leads.new", has(Lead), "leads.create")
    register_checklist_step("first_deal", "Put a deal on the board", "deals.new", has(Deal), "deals.create")
    from app.crm.my_day import SECTIONS as CRM_SECTIONS
    from app.dashboard.my_day import MyDaySection, register_my_day_section

    for section in CRM_SECTIONS:
        register_my_day_section(MyDaySection(*section))


def install_subscribers(app) -> None:
    """In-transaction subscribers of domain events: the audit log, the timeline, duplicate
    warnings, notifications, and what follows a record's change (a won quote, a converted lead)."""
    from app.core.session import TenantSession
    from app.crm.activities.services import forget_pending_links, record_system_event, write_pending_links
    from app.crm.calendar.services import carry_coming_meetings_on_conversion
    from app.crm.deals.services.deals import contacts_become_customers
    from app.crm.duplicates.detection import warn_about_duplicates
    from app.crm.duplicates.services import forget_pairs_of_deleted
    from app.crm.invoices.models import InvoiceLine
    from app.crm.invoices.services import hold_customers_with, keep_customers_on_the_books
    from app.crm.orders.models import OrderLine
    from app.crm.orders.services import order_from_accepted_quote
    from app.crm.products.services import forget_deleted_product_on
    from app.crm.quotes.models import QuoteLine
    from app.crm.quotes.services import mark_deal_won
    from app.crm.subscriptions.models import Subscription, SubscriptionStatus
    from app.crm.subscriptions.services import subscriptions_from_accepted_quote
    from app.crm.tasks.services import carry_open_tasks_on_conversion
    from app.notifications.services import notify_mentions, notify_new_owner

    subscribe("*", audit_domain_event)
    subscribe("*", record_system_event)
    if not sqlalchemy_events.contains(TenantSession, "after_flush", write_pending_links):
        sqlalchemy_events.listen(TenantSession, "after_flush", write_pending_links)
        sqlalchemy_events.listen(TenantSession, "after_soft_rollback", forget_pending_links)
    subscribe("*", warn_about_duplicates)
    subscribe("*.deleted", forget_pairs_of_deleted)
    subscribe("*.created", notify_new_owner)
    subscribe("*.updated", notify_new_owner)
    subscribe("activity.logged", notify_mentions)
    for sold in (QuoteLine, OrderLine, InvoiceLine, Subscription):
        subscribe("product.deleted", forget_deleted_product_on(sold))
    subscribe("contact.deleted", keep_customers_on_the_books)
    subscribe("company.deleted", keep_customers_on_the_books)
    hold_customers_with(Subscription, "active subscription", lambda: Subscription.status == SubscriptionStatus.ACTIVE)
    subscribe("quote.accepted", mark_deal_won)
    subscribe("deal.won", contacts_become_customers)
    subscribe("quote.accepted", subscriptions_from_accepted_quote)
    subscribe("quote.accepted", order_from_accepted_quote)
    subscribe("lead.converted", carry_open_tasks_on_conversion)
    subscribe("lead.converted", carry_coming_meetings_on_conversion)
    install_automation(app)


def install_jobs(app) -> None:
    """Recurring jobs of CRM domains, beside the platform's own (each declared in its domain's
    `jobs.py`, beside the function it runs)."""
    from app.crm.invoices.jobs import OVERDUE_JOB
    from app.crm.quotes.jobs import EXPIRY_JOB
    from app.crm.subscriptions.jobs import RENEWAL_JOB
    from app.jobs.registry import register_platform_job

    for job in (EXPIRY_JOB, OVERDUE_JOB, RENEWAL_JOB):
        register_platform_job(job)


def install_automation(app) -> None:
    """Web forms, workflows and outgoing webhooks: their permissions, API scopes, plan
    counters and the after-commit consumers that feed them domain events."""
    from app.api.scopes import register_scope_object
    from app.auth.models import Role
    from app.core.events import register_consumer
    from app.crm.automations import message_actions, task_and_deal_actions
    from app.crm.automations.engine import handle_event, stamp_automation_origin, workflows_listen_to
    from app.crm.automations.jobs import TIME_TRIGGERS_JOB
    from app.crm.automations.services import count_active_workflows, keep_forms_that_start_workflows
    from app.crm.forms.attribution import attribution_panel, carry_on_conversion, carry_to_deal
    from app.crm.forms.jobs import WAITLISTS_JOB
    from app.crm.forms.services import count_forms, register_form_deletion_check
    from app.crm.webhooks.services import fan_out_event, webhooks_listen_to
    from app.jobs.registry import register_platform_job
    from app.plans.services import register_feature, register_usage_counter
    from app.records.capabilities import Panel
    from app.records.event_types import register_event_type
    from app.records.registry import contribute

    admins = frozenset({Role.OWNER, Role.ADMIN})
    builders = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MARKETING})
    register_record_permissions("webhooks", "Webhooks", grants=dict.fromkeys(RECORD_ACTIONS, admins))
    register_record_permissions(
        "automations", "Automations", grants={**dict.fromkeys(RECORD_ACTIONS, builders), "delete": admins}
    )
    register_record_permissions("forms", "Web forms", grants={"create": builders, "edit": builders, "delete": builders})
    for area, label in (("webhooks", "Webhooks"), ("automations", "Automations"), ("forms", "Web forms")):
        register_scope_object(area, label)
    register_usage_counter("automations", count_active_workflows)
    register_usage_counter("forms", count_forms)
    register_form_deletion_check(keep_forms_that_start_workflows)
    register_feature("automations")
    subscribe("*", stamp_automation_origin)
    subscribe("lead.converted", carry_on_conversion)
    subscribe("deal.created", carry_to_deal)
    task_and_deal_actions.install()
    message_actions.install()
    for name, label in (
        ("deal.stage_changed", "Deal stage changed"),
        ("deal.won", "Deal won"),
        ("deal.lost", "Deal lost"),
        ("task.completed", "Task completed"),
    ):
        register_event_type(name, label)
    register_event_type("email.opened", "Email opened", about="contact")
    register_event_type("email.clicked", "Email link clicked", about="contact")
    for record_type in ("contact", "lead", "deal"):
        panel = Panel("attribution", "crm/forms/_attribution_panel.html", attribution_panel, order=60)
        contribute(record_type, "panel", panel)
    register_consumer("webhooks", "*", fan_out_event, listening=webhooks_listen_to)
    register_consumer("automations", "*", handle_event, listening=workflows_listen_to)
    for job in (TIME_TRIGGERS_JOB, WAITLISTS_JOB):
        register_platform_job(job)


def install_audit_labels(app) -> None:
    """The audit log's words for every action (record types label their own events)."""
    from app.agency.services import AUDIT_LABELS as AGENCY
    from app.api.services import AUDIT_LABELS as API
    from app.auth.services import AUDIT_DETAIL_ACTIONS as AUTH_DETAIL_ACTIONS
    from app.auth.services import AUDIT_LABELS as AUTH
    from app.auth.services import auth_codes_in_details
    from app.billing.services import AUDIT_LABELS as BILLING
    from app.core.audit import (
        field_labels_in_details,
        register_audit_details,
        register_audit_labels,
        register_audit_subject,
    )
    from app.crm.automations.services import FIELD_LABELS as WORKFLOW_FIELDS
    from app.crm.fields.services import AUDIT_LABELS as FIELDS
    from app.crm.forms.services import FIELD_LABELS as FORM_FIELDS
    from app.crm.messaging.audit import CAMPAIGN_DETAIL_ACTIONS, campaign_statuses_in_details
    from app.crm.messaging.sending import SETTING_LABELS as MESSAGING_SETTINGS
    from app.crm.tags.services import AUDIT_LABELS as TAGS
    from app.plans.lifecycle import AUDIT_LABELS as PLANS
    from app.plans.lifecycle import PLAN_DETAIL_ACTIONS, plan_names_in_details
    from app.superadmin.access import AUDIT_LABELS as CONSOLE
    from app.superadmin.impersonation import IMPERSONATION_DETAIL_ACTIONS, impersonation_terms_in_details

    for labels in (AUTH, AGENCY, API, BILLING, FIELDS, TAGS, PLANS, CONSOLE):
        register_audit_labels(labels)
    register_audit_details((*PLAN_DETAIL_ACTIONS, "tenant.plan_changed"), plan_names_in_details)
    register_audit_details(AUTH_DETAIL_ACTIONS, auth_codes_in_details)
    register_audit_details(CAMPAIGN_DETAIL_ACTIONS, campaign_statuses_in_details)
    register_audit_details(IMPERSONATION_DETAIL_ACTIONS, impersonation_terms_in_details)
    register_audit_details(("messaging.settings_changed",), field_labels_in_details("fields", MESSAGING_SETTINGS))
    register_audit_details(("workflow.updated",), field_labels_in_details("changed", WORKFLOW_FIELDS))
    register_audit_details(("form.updated",), field_labels_in_details("changed", FORM_FIELDS))
    # Subjects of the CRM's other audit actions: "pipeline.stage_created" reads "Pipeline
    # stage created" (record types register their own subject when installed).
    subjects = {
        "activity": "Activity",
        "campaign": "Campaign",
        "deal_reason": "Close reason",
        "export": "Export",
        "forecast": "Forecast",
        "form": "Form",
        "import": "Import",
        "message_template": "Message template",
        "messaging": "Messaging",
        "personal_data": "Personal data",
        "pipeline": "Pipeline",
        "quota": "Quota",
        "quote_settings": "Quote settings",
        "segment": "Segment",
        "suppression": "Suppression",
        "webhook": "Webhook",
        "workflow": "Workflow",
    }
    for subject, label in subjects.items():
        register_audit_subject(subject, label)
