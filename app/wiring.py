"""What the app is made of beyond blueprints: its record types, who listens to domain events,
and the permission areas that are not record types. The factory installs them in order."""

from app.auth.permissions import MANAGERS, RECORD_ACTIONS, WRITERS, register_record_permissions
from app.core.audit import audit_domain_event
from app.core.events import subscribe


def RECORD_TYPES():  # noqa: N802 - reads as a constant at the call site
    """Every CRM record type; a new type adds its line here."""
    from app.crm.companies.record import COMPANIES
    from app.crm.contacts.record import CONTACTS
    from app.crm.leads.record import LEADS

    return [CONTACTS, COMPANIES, LEADS]


def extra_record_types(app) -> list:
    """Types named in EXTRA_RECORD_TYPES ("module:NAME"): a type declared outside the app —
    the test suite's own, say — gets pages, an API resource and every capability too."""
    from werkzeug.utils import import_string

    return [import_string(path.replace(":", ".")) for path in app.config.get("EXTRA_RECORD_TYPES") or ()]


def install_record_types(app) -> None:
    from app.records.setup import install_contributions, install_record_type
    from app.records.templating import install_template_helpers

    register_record_permissions("activities", "Activities")
    register_record_permissions("files", "Files", grants={"delete": WRITERS, "export": MANAGERS})
    types = RECORD_TYPES() + extra_record_types(app)
    for record_type in types:
        install_record_type(record_type)
    install_contributions(types)
    install_template_helpers(app)


def install_plan_limits(app) -> None:
    """The limits and features the plan pages may sell, each named by the code that enforces it
    (record types with a meter register theirs when they are installed)."""
    from app.auth.services import count_seats
    from app.crm.attachments.services import stored_megabytes
    from app.crm.fields.services import count_field_definitions
    from app.plans.services import register_feature, register_metered_limit, register_usage_counter

    register_usage_counter("users", count_seats)
    register_usage_counter("custom_fields", count_field_definitions)
    register_usage_counter("storage_mb", stored_megabytes)
    register_metered_limit("api_calls_per_day")
    register_feature("api")
    register_feature("custom_fields")


def install_console(app) -> None:
    """Platform admins sign in on the admin host; the console's own pages come with its blueprints."""
    from app.auth.sessions import register_host_users
    from app.core.hosts import ADMIN
    from app.superadmin.models import PlatformAdmin

    register_host_users(ADMIN, PlatformAdmin)


def API_RESOURCES():  # noqa: N802 - reads as a constant at the call site
    """Every resource blueprint of REST v1; a domain with an `api.py` adds its line here."""
    from app.crm.activities.api import blp as activities
    from app.crm.automations.api import blp as automations
    from app.crm.companies.api import blp as companies
    from app.crm.contacts.api import blp as contacts
    from app.crm.fields.api import blp as fields
    from app.crm.forms.api import blp as forms
    from app.crm.leads.api import blp as leads
    from app.crm.tags.api import blp as tags
    from app.crm.webhooks.api import blp as webhooks
    from app.records.api import catalogue_api

    return [contacts, companies, leads, activities, tags, fields, forms, automations, webhooks, catalogue_api]


def install_api(app) -> None:
    """The resources mounted under /api/v1 (types from EXTRA_RECORD_TYPES too) and the
    fillers that put the tenant's own fields into its OpenAPI document."""
    from app.api.mount import set_api_resources
    from app.api.spec import register_document_filler
    from app.crm.fields.openapi import fill_custom_fields
    from app.records.api import record_api_blueprint

    extra = [record_api_blueprint(record_type) for record_type in extra_record_types(app)]
    set_api_resources(app, API_RESOURCES() + extra)
    register_document_filler(fill_custom_fields)


def install_onboarding(app) -> None:
    """Demo data for `seed-demo`, and the first steps the dashboard's checklist suggests."""
    from sqlalchemy import select

    from app.agency.cli import DEMO_SEEDERS
    from app.core.extensions import db
    from app.crm.automations.demo import seed_automation_demo
    from app.crm.contacts.models import Contact
    from app.crm.demo import seed_crm_demo
    from app.crm.leads.models import Lead
    from app.dashboard.views import register_checklist_step

    def has(model):
        return lambda tenant: db.session.scalar(select(model.id).limit(1)) is not None

    if seed_crm_demo not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_crm_demo)
    if seed_automation_demo not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed_automation_demo)
    register_checklist_step("first_contact", "Add your first contact", "contacts.new", has(Contact))
    register_checklist_step("first_lead", "Capture your first lead", "leads.new", has(Lead))


def install_subscribers(app) -> None:
    """In-transaction subscribers of domain events: the audit log and the timeline."""
    from app.crm.activities.services import record_system_event

    subscribe("*", audit_domain_event)
    subscribe("*", record_system_event)
    install_automation(app)


def install_automation(app) -> None:
    """Web forms, workflows and outgoing webhooks: their permissions, API scopes, plan
    counters and the after-commit consumers that feed them domain events."""
    from app.api.scopes import register_scope_object
    from app.auth.models import Role
    from app.core.events import register_consumer
    from app.crm.automations.engine import handle_event, stamp_automation_origin
    from app.crm.automations.services import count_active_workflows
    from app.crm.forms.attribution import attribution_panel, carry_on_conversion
    from app.crm.forms.services import count_forms
    from app.crm.webhooks.services import fan_out_event
    from app.jobs.registry import PlatformJob, register_platform_job
    from app.plans.services import register_feature, register_usage_counter
    from app.records.capabilities import Panel
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
    register_feature("automations")
    subscribe("*", stamp_automation_origin)
    subscribe("lead.converted", carry_on_conversion)
    for record_type in ("contact", "lead"):
        panel = Panel("attribution", "crm/forms/_attribution_panel.html", attribution_panel, order=60)
        contribute(record_type, "panel", panel)
    register_consumer("webhooks", "*", fan_out_event)
    register_consumer("automations", "*", handle_event)
    register_platform_job(
        PlatformJob(
            "automations.time_triggers",
            "app.crm.automations.jobs:run_time_triggers",
            "interval",
            {"minutes": 15},
            "Starts workflows whose date is reached, whose records went quiet, or whose daily hour came.",
        )
    )
    register_platform_job(
        PlatformJob(
            "forms.process_waitlists",
            "app.crm.forms.jobs:process_waitlists",
            "interval",
            {"hours": 1},
            "Takes in web form submissions that waited for room in the plan.",
        )
    )
