"""The tenant owner's billing page, Stripe Checkout and Customer Portal redirects."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.billing import services
from app.billing.forms import PlanChoiceForm
from app.billing.gateway import GatewayError
from app.core.errors import ValidationFailed
from app.core.forms import save_form
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.core.security import allow_form_action
from app.core.transactions import undone_if_refused

# Named "billing" so app.plans.status lets these pages through while the tenant is read-only.
bp = TenantBlueprint("billing", __name__)
register_nav_item(NavItem("Billing", "billing.index", "credit-card", "billing.manage", "settings"))


def _render(form=None, status=200):
    # Its checkout and portal buttons lead to Stripe's pages.
    allow_form_action(*current_app.config["STRIPE_PAGE_ORIGINS"])
    overview = services.get_billing_overview(g.tenant)
    return render_template("billing/index.html", overview=overview, form=form or PlanChoiceForm()), status


@bp.route("/settings/billing")
@requires_permission("billing.manage")
def index():
    return _render()


@bp.route("/settings/billing/checkout", methods=["POST"])
@requires_permission("billing.manage")
def checkout():
    form = PlanChoiceForm()
    try:
        target = save_form(form, lambda: _start_checkout(form))
    except GatewayError as exc:
        flash(f"Stripe could not start the checkout ({exc.message}). Please try again in a moment.", "danger")
        return redirect(url_for("billing.index"), 303)
    if target is None:
        return _render(form, 422)
    return redirect(target, 303)


def _start_checkout(form) -> str:
    """The Stripe page that takes the plan change the form asks for."""
    return services.start_plan_change(
        g.tenant,
        plan_code=form.plan.data,
        interval=form.interval.data,
        # Stripe fills in {CHECKOUT_SESSION_ID}; it must not be URL-encoded.
        success_url=url_for("billing.checkout_success", _external=True) + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=url_for("billing.checkout_canceled", _external=True),
        return_url=url_for("billing.index", _external=True),
        actor=current_user,
    )


@bp.route("/settings/billing/portal", methods=["POST"])
@requires_permission("billing.manage")
def portal():
    try:
        with undone_if_refused():
            target = services.open_customer_portal(
                g.tenant, return_url=url_for("billing.index", _external=True), actor=current_user
            )
    except ValidationFailed as exc:
        flash(exc.message, "warning")
        return redirect(url_for("billing.index"), 303)
    except GatewayError as exc:
        flash(f"Stripe could not open the billing portal ({exc.message}). Please try again in a moment.", "danger")
        return redirect(url_for("billing.index"), 303)
    return redirect(target, 303)


@bp.route("/settings/billing/success")
@requires_permission("billing.manage")
def checkout_success():
    overview = services.get_billing_overview(g.tenant)
    return render_template("billing/returned.html", overview=overview, outcome="success", session=request.args)


@bp.route("/settings/billing/canceled")
@requires_permission("billing.manage")
def checkout_canceled():
    overview = services.get_billing_overview(g.tenant)
    return render_template("billing/returned.html", overview=overview, outcome="canceled", session=request.args)
