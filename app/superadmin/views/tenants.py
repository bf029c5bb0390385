"""Agencies: the searchable list and one agency's page with its subscription actions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.errors import AppError, ValidationFailed
from app.core.extensions import db
from app.core.forms import apply_errors
from app.core.hosts import tenant_host
from app.plans.catalogue import RESOURCE_LABELS
from app.plans.models import FEATURE_KEYS, FEATURE_LABELS, LIMIT_KEYS
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


def _forms(tenant, **overrides) -> dict:
    plan_form = overrides.get("plan_form") or ChangePlanForm(plan=tenant.plan_code)
    plan_form.plan.choices = [(plan.code, plan.name) for plan in plan_services.list_plans()]
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
        "impersonate_form": overrides.get("impersonate_form") or ImpersonateForm(formdata=None),
    }


def _render(tenant, status: int = 200, **overrides):
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
        limit_keys=LIMIT_KEYS,
        feature_keys=FEATURE_KEYS,
        resource_labels=RESOURCE_LABELS,
        feature_labels=FEATURE_LABELS,
        tenant_url=url_for("dashboard.index", host=tenant_host(tenant.slug), _external=True),
        **_forms(tenant, **overrides),
    ), status


@bp.route("/tenants/<uuid:tenant_id>")
@requires_platform_admin
@audited_read("console.tenant_viewed")
def tenant(tenant_id):
    return _render(_load(tenant_id))


def _act(tenant, form_name: str, form, action, success: str):
    """Validate `form`, run one service call; field errors re-render the page (422)."""
    if form.validate_on_submit():
        try:
            action(form)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except AppError as exc:
            form.form_errors.append(exc.message)
            return _render(tenant, exc.status_code, **{form_name: form})
        else:
            flash(success, "success")
            return redirect(url_for("console.tenant", tenant_id=tenant.id))
    return _render(tenant, 422, **{form_name: form})


@bp.route("/tenants/<uuid:tenant_id>/plan", methods=["POST"])
@requires_platform_admin
def change_plan(tenant_id):
    tenant = _load(tenant_id)
    form = ChangePlanForm()
    form.plan.choices = [(plan.code, plan.name) for plan in plan_services.list_plans()]
    return _act(
        tenant,
        "plan_form",
        form,
        lambda f: services.change_tenant_plan(tenant, f.plan.data, admin=current_user, reason=f.reason.data or ""),
        f"{tenant.name} moved to the new plan. Its data is kept; creation beyond the new limits is refused.",
    )


@bp.route("/tenants/<uuid:tenant_id>/limits", methods=["POST"])
@requires_platform_admin
def override_limits(tenant_id):
    tenant = _load(tenant_id)
    return _act(
        tenant,
        "limits_form",
        LimitOverridesForm(),
        lambda f: services.override_limits(
            tenant, {key: getattr(f, f"limit_{key}").data for key in LIMIT_KEYS}, admin=current_user
        ),
        "Limit overrides saved.",
    )


@bp.route("/tenants/<uuid:tenant_id>/features", methods=["POST"])
@requires_platform_admin
def override_features(tenant_id):
    tenant = _load(tenant_id)
    return _act(
        tenant,
        "features_form",
        FeatureOverridesForm(),
        lambda f: services.override_features(
            tenant, {key: getattr(f, f"feature_{key}").data for key in FEATURE_KEYS}, admin=current_user
        ),
        "Feature overrides saved.",
    )


@bp.route("/tenants/<uuid:tenant_id>/trial", methods=["POST"])
@requires_platform_admin
def extend_trial(tenant_id):
    tenant = _load(tenant_id)
    return _act(
        tenant,
        "trial_form",
        ExtendTrialForm(),
        lambda f: services.extend_tenant_trial(tenant, f.days.data, admin=current_user),
        "Trial extended.",
    )


@bp.route("/tenants/<uuid:tenant_id>/suspend", methods=["POST"])
@requires_platform_admin
def suspend(tenant_id):
    tenant = _load(tenant_id)
    return _act(
        tenant,
        "suspend_form",
        SuspendForm(),
        lambda f: services.suspend_tenant(tenant, f.reason.data, admin=current_user),
        f"{tenant.name} is suspended: its workspace is read-only.",
    )


@bp.route("/tenants/<uuid:tenant_id>/reactivate", methods=["POST"])
@requires_platform_admin
def reactivate(tenant_id):
    tenant = _load(tenant_id)
    return _act(
        tenant,
        "reactivate_form",
        ReactivateForm(),
        lambda f: services.reactivate_tenant(tenant, f.reason.data or "", admin=current_user),
        f"{tenant.name} has full access again.",
    )


@bp.route("/tenants/<uuid:tenant_id>/impersonate", methods=["POST"])
@requires_platform_admin
def impersonate(tenant_id):
    tenant = _load(tenant_id)
    form = ImpersonateForm()
    if not form.validate_on_submit():
        return _render(tenant, 422, impersonate_form=form)
    try:
        with db.session.begin_nested():
            token = impersonation.start_impersonation(
                tenant, services.find_owner(tenant), admin=current_user, reason=form.reason.data or ""
            )
    except AppError as exc:
        form.form_errors.append(exc.message)
        return _render(tenant, exc.status_code, impersonate_form=form)
    return redirect(url_for("impersonation.accept", token=token, host=tenant_host(tenant.slug), _external=True))
