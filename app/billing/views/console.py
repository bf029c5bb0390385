"""Console pages: billing accounts, the webhook log, one tenant's billing and its resync."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.billing import console as queries
from app.billing import services
from app.billing.forms import WebhookFilterForm
from app.billing.gateway import GatewayError
from app.core.errors import ValidationFailed
from app.core.hosts import AdminBlueprint
from app.core.text import plural
from app.superadmin.access import audited_read, record_platform_audit, register_audit_group, requires_platform_admin
from app.superadmin.dashboard import register_monthly_revenue
from app.superadmin.navigation import ConsoleNavItem, register_console_nav
from app.superadmin.panels import TenantPanel, register_tenant_panel
from app.superadmin.tenants import get_tenant_or_none, register_plan_change_refusal

bp = AdminBlueprint("console_billing", __name__)
register_console_nav(ConsoleNavItem("Billing", "console_billing.accounts", "credit-card"))
register_console_nav(ConsoleNavItem("Webhooks", "console_billing.webhook_log", "broadcast"))
register_tenant_panel(
    TenantPanel(
        "billing",
        "Stripe billing",
        "billing/console/_panel.html",
        lambda tenant: {"account": queries.tenant_account(tenant.id, event_limit=5)},
        order=15,
    )
)
register_plan_change_refusal(queries.stripe_plan_refusal)
register_audit_group("billing.", "Billing pages and Stripe resyncs")
register_monthly_revenue(queries.stripe_monthly_revenue)


@bp.record_once
def _console_sign_in(state) -> None:
    # Signed-out visitors of these pages go to the console's sign-in, not a tenant's.
    state.app.login_manager.blueprint_login_views.setdefault(bp.name, "console.login")


@bp.route("/billing")
@requires_platform_admin
@audited_read("billing.accounts_viewed", tenant_arg=None)
def accounts():
    status = request.args.get("status") or None
    search = request.args.get("q", "").strip()[:255]
    page = queries.subscription_page(status=status, cursor=request.args.get("cursor"), search=search)
    return render_template(
        "billing/console/accounts.html",
        page=page,
        status=status,
        q=search,
        statuses=queries.SUBSCRIPTION_STATUSES,
    )


@bp.route("/billing/webhooks")
@requires_platform_admin
@audited_read("billing.webhooks_viewed", tenant_arg=None)
def webhook_log():
    form = WebhookFilterForm(request.args)
    form.type.choices = [("", "All types")] + [(t, t) for t in queries.event_types()]
    form.result.choices = [("", "All results")] + [(r, r.title()) for r in queries.EVENT_RESULTS]
    page = queries.event_page(
        search=form.q.data, event_type=form.type.data, result=form.result.data, cursor=request.args.get("cursor")
    )
    return render_template("billing/console/webhooks.html", page=page, form=form)


@bp.route("/tenants/<uuid:tenant_id>/billing")
@requires_platform_admin
@audited_read("billing.tenant_viewed")
def tenant_billing(tenant_id):
    account = queries.tenant_account(tenant_id)
    if account is None:
        abort(404)
    return render_template("billing/console/tenant.html", account=account)


@bp.route("/tenants/<uuid:tenant_id>/billing/resync", methods=["POST"])
@requires_platform_admin
def resync(tenant_id):
    if get_tenant_or_none(tenant_id) is None:
        abort(404)
    record_platform_audit("billing.resync", tenant_id=tenant_id)
    try:
        summary = services.resync_tenant(tenant_id, actor_label="platform admin")
    except ValidationFailed as exc:
        flash(exc.message, "warning")
    except GatewayError as exc:
        flash(f"Stripe could not be reached: {exc.message}", "danger")
    else:
        changed = ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in summary.changes.items()) or "no change to plan or status"
        flash(
            f"Resynced {plural(len(summary.subscriptions), 'subscription')} and "
            f"{plural(summary.invoices, 'invoice')}: {changed}."
            + (f" Skipped: {'; '.join(summary.skipped)}" if summary.skipped else ""),
            "success" if not summary.skipped else "warning",
        )
    return redirect(url_for("console_billing.tenant_billing", tenant_id=tenant_id), 303)
