"""Agencies: the searchable list and one agency's page with its subscription actions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.errors import AppError, ValidationFailed
from app.core.extensions import db
from app.core.forms import act_on_form, apply_errors
from app.core.hosts import tenant_host
from app.core.security import allow_form_action
from app.plans import lifecycle
from app.plans.catalogue import RESOURCE_LABELS
from app.plans.models import FEATURE_KEYS, LIMIT_KEYS
from app.plans.services import offered_features
from app.superadmin import impersonation, panels
from app.superadmin import plans as plan_services
from app.superadmin import tenants as services
from app.superadmin.access import audited_read, requires_platform_admin
from app.superadmin.forms import (
    ChangePlanForm,
    ExtendTrialForm,
    FeatureOverridesForm,
    ImpersonateForm,
    LimitOverridesForm,
    ReactivateForm,
    SuspendForm,
    TenantSearchForm,
)
from app.superadmin.views import bp
from app.superadmin.views.plan_terms import plan_terms


@bp.route("/tenants")
@requires_platform_admin
@audited_read("console.tenants_listed", tenant_arg=None)
def tenants():
    form = TenantSearchForm(request.args)
    plans = plan_services.list_plans()
    form.plan.choices = [("", "All plans")] + [(plan.code, plan.name) for plan in plans]
    filters = services.TenantFilters(
        q=(form.q.data or "").strip(),
        plan=form.plan.data or "",
        status=form.status.data or "",
        sort=form.sort.data or "newest",
    )
    page = services.search_tenants(filters, cursor=request.args.get("cursor"))
    return render_template("superadmin/tenants.html", form=form, page=page, filters=filters, labels=RESOURCE_LABELS)


def _load(tenant_id):
    tenant = services.get_tenant_or_none(tenant_id)
    if tenant is None:
        abort(404)
    return tenant


def _plan_form(**data) -> ChangePlanForm:
    form = ChangePlanForm(**data)
    form.plan.choices = [(plan.code, plan.name) for plan in plan_services.list_plans()]
    return form


def _impersonate_form(tenant, **kwargs) -> ImpersonateForm:
    form = ImpersonateForm(**kwargs)
    form.user.choices = [
        (str(person.id), f"{person.email} · {person.role.title()}") for person in services.active_people(tenant)
    ]
    return form


def _forms(tenant, **overrides) -> dict:
    plan_form = overrides.get("plan_form") or _plan_form(plan=tenant.plan_code)
    limits = overrides.get("limits_form")
    if limits is None:
        limits = LimitOverridesForm(formdata=None)
        for key in LIMIT_KEYS:
            if key in (tenant.limit_overrides or {}):
                value = tenant.limit_overrides[key]
                getattr(limits, f"limit_{key}").data = "unlimited" if value is None else str(value)
    features = overrides.get("features_form")
    if features is None:
        features = FeatureOverridesForm(formdata=None)
        for key in FEATURE_KEYS:
            value = (tenant.feature_overrides or {}).get(key)
            getattr(features, f"feature_{key}").data = {None: "default", True: "on", False: "off"}[value]
    return {
        "plan_form": plan_form,
        "limits_form": limits,
        "features_form": features,
        "trial_form": overrides.get("trial_form") or ExtendTrialForm(),
        "suspend_form": overrides.get("suspend_form") or SuspendForm(formdata=None),
        "reactivate_form": overrides.get("reactivate_form") or ReactivateForm(formdata=None),
        "impersonate_form": overrides.get("impersonate_form") or _impersonate_form(tenant, formdata=None),
    }


def _render(tenant, status: int = 200, **overrides):
    # "Sign in as the owner" ends on the workspace's host.
    allow_form_action(tenant_host(tenant.slug))
    outcome = request.args.get("impersonation")
    if outcome in ("ended", "expired") and status == 200:
        flash(
            "The impersonation has ended." if outcome == "ended" else "The impersonation reached its time limit.",
            "info",
        )
    return render_template(
        "superadmin/tenant.html",
        tenant=tenant,
        overview=services.tenant_overview(tenant),
        panels=panels.panels_for(tenant),
        **plan_terms(),
        tenant_url=url_for("dashboard.index", host=tenant_host(tenant.slug), _external=True),
        trial_refusal=lifecycle.trial_extension_refusal(tenant),
        plan_refusal=services.plan_change_refusal(tenant),
        **_forms(tenant, **overrides),
    ), status


@bp.route("/tenants/<uuid:tenant_id>")
@requires_platform_admin
@audited_read("console.tenant_viewed")
def tenant(tenant_id):
    return _render(_load(tenant_id))


def tenant_action(path: str, make_form, *, success: str):
    """One of the agency page's forms (`<path>_form` in its template), POSTed to
    /tenants/<id>/<path>: the decorated function makes its one service call with the agency
    and the valid form. Then `success` is flashed (`{tenant.name}` filled in) and the page
    shown again; field errors re-render it (422) with the form as submitted, a refused action
    with the service's status and message. The endpoint is the decorated function's name."""
    form_name = f"{path}_form"

    def register(run):
        @bp.route(f"/tenants/<uuid:tenant_id>/{path}", methods=["POST"], endpoint=run.__name__)
        @requires_platform_admin
        def view(tenant_id):
            tenant = _load(tenant_id)
            form = make_form()
            try:
                done = act_on_form(form, lambda: run(tenant, form))
            except AppError as exc:
                form.form_errors.append(exc.message)
                return _render(tenant, exc.status_code, **{form_name: form})
            if not done:
                return _render(tenant, 422, **{form_name: form})
            flash(success.format(tenant=tenant), "success")
            return redirect(url_for("console.tenant", tenant_id=tenant.id))

        return run

    return register


@tenant_action(
    "plan",
    _plan_form,
    success="{tenant.name} moved to the new plan. Its data is kept; creation beyond the new limits is refused.",
)
def change_plan(tenant, form: ChangePlanForm) -> None:
    services.change_tenant_plan(tenant, form.plan.data, admin=current_user, reason=form.reason.data or "")


@tenant_action("limits", LimitOverridesForm, success="Limit overrides saved.")
def override_limits(tenant, form: LimitOverridesForm) -> None:
    values = {key: getattr(form, f"limit_{key}").data for key in LIMIT_KEYS}
    services.override_limits(tenant, values, admin=current_user)


@tenant_action("features", FeatureOverridesForm, success="Feature overrides saved.")
def override_features(tenant, form: FeatureOverridesForm) -> None:
    values = {key: getattr(form, f"feature_{key}").data for key in offered_features()}
    services.override_features(tenant, values, admin=current_user)


@tenant_action("trial", ExtendTrialForm, success="Trial extended.")
def extend_trial(tenant, form: ExtendTrialForm) -> None:
    services.extend_tenant_trial(tenant, form.days.data, admin=current_user)


@tenant_action("suspend", SuspendForm, success="{tenant.name} is suspended: its workspace is read-only.")
def suspend(tenant, form: SuspendForm) -> None:
    services.suspend_tenant(tenant, form.reason.data, admin=current_user)


@tenant_action("reactivate", ReactivateForm, success="{tenant.name} has full access again.")
def reactivate(tenant, form: ReactivateForm) -> None:
    services.reactivate_tenant(tenant, form.reason.data or "", admin=current_user)


@bp.route("/tenants/<uuid:tenant_id>/impersonate", methods=["POST"])
@requires_platform_admin
def impersonate(tenant_id):
    tenant = _load(tenant_id)
    form = _impersonate_form(tenant)
    if not form.validate_on_submit():
        return _render(tenant, 422, impersonate_form=form)
    try:
        with db.session.begin_nested():
            token = impersonation.start_impersonation(
                tenant,
                services.person_to_impersonate(tenant, form.user.data),
                admin=current_user,
                reason=form.reason.data or "",
            )
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _render(tenant, 422, impersonate_form=form)
    except AppError as exc:
        form.form_errors.append(exc.message)
        return _render(tenant, exc.status_code, impersonate_form=form)
    return redirect(url_for("impersonation.accept", token=token, host=tenant_host(tenant.slug), _external=True))
