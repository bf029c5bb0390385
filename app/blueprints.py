"""Every blueprint of the app, in one list (the factory registers them in this order)."""


def BLUEPRINTS(app=None):  # noqa: N802 - reads as a constant at the call site
    from app.agency.views import apex, settings
    from app.api.views import bp as api
    from app.audit.views import bp as audit
    from app.auth.views import bp as auth
    from app.billing import views as billing
    from app.crm.activities.views import bp as activities
    from app.crm.attachments.views import bp as attachments
    from app.crm.companies.views import bp as companies
    from app.crm.contacts.views import bp as contacts
    from app.crm.fields.views import bp as fields
    from app.crm.leads.views import bp as leads
    from app.crm.tags.views import bp as tags
    from app.dashboard.views import bp as dashboard
    from app.health.views import bp as health
    from app.messaging.views import bp as mailbox
    from app.superadmin.views import bp as console
    from app.superadmin.views.impersonation import bp as impersonation

    return [
        health,
        apex,
        mailbox,
        auth,
        dashboard,
        settings,
        audit,
        console,
        impersonation,
        *billing.BLUEPRINTS,
        api,
        contacts,
        companies,
        leads,
        activities,
        attachments,
        fields,
        tags,
        *_extra_record_pages(app),
    ]


def _extra_record_pages(app) -> list:
    from app.records.views import record_blueprint
    from app.wiring import extra_record_types

    return [record_blueprint(record_type) for record_type in extra_record_types(app)] if app is not None else []


# Apex endpoints whose requests run in platform scope from the start: signup creates a
# tenant (a platform row the app role may not write); the Stripe webhook resolves its tenant
# from Stripe's ids and changes its plan and status.
PLATFORM_SCOPE_ENDPOINTS = ("apex.signup", "stripe_webhook.receive")
