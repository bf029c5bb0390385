"""Every blueprint of the app, in one list (the factory registers them in this order)."""


def BLUEPRINTS(app=None):  # noqa: N802 - reads as a constant at the call site
    from app.agency.views import apex, settings
    from app.api.views import bp as api
    from app.audit.views import bp as audit
    from app.auth.views import bp as auth
    from app.billing import views as billing
    from app.crm.activities.views import bp as activities
    from app.crm.attachments.views import bp as attachments
    from app.crm.automations.views import bp as automations
    from app.crm.calendar.views import booking_bp as booking
    from app.crm.calendar.views import bp as meetings
    from app.crm.companies.views import bp as companies
    from app.crm.contacts.views import bp as contacts
    from app.crm.deals.views import bp as deals
    from app.crm.duplicates.views import bp as duplicates
    from app.crm.exports.views import bp as exports
    from app.crm.fields.views import bp as fields
    from app.crm.forms.public import bp as public_forms
    from app.crm.forms.views import bp as forms
    from app.crm.imports.views import bp as imports
    from app.crm.invoices.views import bp as invoices
    from app.crm.leads.views import bp as leads
    from app.crm.messaging.views import bp as messaging
    from app.crm.messaging.views import campaign_pages, pages  # noqa: F401 - their routes join bp
    from app.crm.messaging.views.public import bp as messaging_public
    from app.crm.messaging.views.webhook import bp as sendgrid_webhook
    from app.crm.orders.views import bp as orders
    from app.crm.privacy.views import bp as privacy
    from app.crm.products.views import bp as products
    from app.crm.quotes.public import bp as quote_links
    from app.crm.quotes.views import bp as quotes
    from app.crm.search.views import bp as search
    from app.crm.segments.views import bp as segments
    from app.crm.subscriptions.views import bp as subscriptions
    from app.crm.tags.views import bp as tags
    from app.crm.tasks.views import bp as tasks
    from app.crm.webhooks.views import bp as webhooks
    from app.dashboard.views import bp as dashboard
    from app.health.views import bp as health
    from app.messaging.views import bp as mailbox
    from app.notifications.views import bp as notifications
    from app.records.views import lookup_bp as record_lookup
    from app.shell import bp as shell
    from app.superadmin.views import bp as console
    from app.superadmin.views.impersonation import bp as impersonation

    listed = [
        health,
        apex,
        mailbox,
        auth,
        dashboard,
        shell,
        settings,
        audit,
        console,
        impersonation,
        *billing.BLUEPRINTS,
        api,
        contacts,
        companies,
        leads,
        deals,
        products,
        quotes,
        quote_links,
        orders,
        invoices,
        subscriptions,
        activities,
        attachments,
        fields,
        tags,
        segments,
        imports,
        exports,
        search,
        duplicates,
        privacy,
        record_lookup,
        tasks,
        meetings,
        booking,
        notifications,
        messaging,
        messaging_public,
        sendgrid_webhook,
        webhooks,
        forms,
        public_forms,
        automations,
    ]
    return [*listed, *_kit_record_pages(app, listed)]


def _kit_record_pages(app, listed) -> list:
    """The kit's pages for every record type without a blueprint of its own above (a type
    declared in RECORD_TYPES() or EXTRA_RECORD_TYPES that has no routes of its own)."""
    from app.records.setup import unserved_record_types
    from app.records.views import record_blueprint
    from app.wiring import RECORD_TYPES, extra_record_types

    if app is None:
        return []
    types = RECORD_TYPES() + extra_record_types(app)
    return [record_blueprint(record_type) for record_type in unserved_record_types(types, listed)]


# Apex endpoints whose requests run in platform scope from the start: signup creates a
# tenant (a platform row the app role may not write); the Stripe webhook resolves its tenant
# from Stripe's ids and changes its plan and status; finding a workspace by email reads
# every tenant's users.
PLATFORM_SCOPE_ENDPOINTS = ("apex.signup", "stripe_webhook.receive", "apex.sign_in", "apex.sign_in_by_email")
