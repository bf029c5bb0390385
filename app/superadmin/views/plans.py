"""The plan catalogue: create, edit (limits, features, prices, Stripe ids, visibility), delete."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.core.errors import AppError
from app.core.extensions import db
from app.core.forms import save_form
from app.core.transactions import undone_if_refused
from app.plans.models import FEATURE_KEYS, LIMIT_KEYS, Plan
from app.superadmin import plans as services
from app.superadmin.access import requires_platform_admin
from app.superadmin.forms import NewPlanForm, PlanForm
from app.superadmin.views import bp
from app.superadmin.views.plan_terms import plan_terms


def _form_for(plan: Plan | None) -> PlanForm:
    form = PlanForm(obj=plan) if plan is not None else NewPlanForm()
    if plan is not None and not form.is_submitted():
        form.price_monthly.data = plan.price_monthly_cents / 100
        form.price_yearly.data = plan.price_yearly_cents / 100
        for key in LIMIT_KEYS:
            value = plan.limits.get(key)
            getattr(form, f"limit_{key}").data = "" if value is None else str(value)
        for key in FEATURE_KEYS:
            getattr(form, f"feature_{key}").data = key in plan.features
    return form


def _render_form(form, plan=None, status=200):
    return render_template(
        "superadmin/plan_form.html",
        form=form,
        plan=plan,
        **plan_terms(),
    ), status


@bp.route("/plans")
@requires_platform_admin
def plans():
    return render_template(
        "superadmin/plans.html",
        plans=services.list_plans(),
        in_use=services.tenants_per_plan(),
        **plan_terms(),
    )


@bp.route("/plans/new", methods=["GET", "POST"])
@requires_platform_admin
def plan_new():
    form = _form_for(None)
    plan = save_form(form, lambda: services.create_plan(form.data, admin=current_user))
    if plan is not None:
        flash(f"Plan {plan.name} created.", "success")
        return redirect(url_for("console.plans"))
    return _render_form(form, None, 422 if form.errors or form.form_errors else 200)


@bp.route("/plans/<code>", methods=["GET", "POST"])
@requires_platform_admin
def plan_edit(code: str):
    plan = db.session.get(Plan, code)
    if plan is None:
        abort(404)
    form = _form_for(plan)
    changes = save_form(form, lambda: services.update_plan(plan, form.data, admin=current_user))
    if changes is not None:
        flash(f"Plan {plan.name} saved." if changes else "Nothing changed.", "success" if changes else "info")
        return redirect(url_for("console.plans"))
    return _render_form(form, plan, 422 if form.errors or form.form_errors else 200)


@bp.route("/plans/<code>/delete", methods=["POST"])
@requires_platform_admin
def plan_delete(code: str):
    plan = db.session.get(Plan, code)
    if plan is None:
        abort(404)
    name = plan.name
    try:
        with undone_if_refused():
            services.delete_plan(plan, admin=current_user)
    except AppError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("console.plans")), 303
    flash(f"Plan {name} deleted.", "success")
    return redirect(url_for("console.plans"))
