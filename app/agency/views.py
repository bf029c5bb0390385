"""Apex pages (landing, pricing, signup, finding your workspace) and the tenant's agency
settings and logo."""

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app.agency import services
from app.agency.forms import SettingsForm, SignupForm, WorkspaceAddressForm, WorkspaceEmailForm
from app.auth.permissions import requires_permission
from app.auth.services import issue_login_handoff
from app.core.context import tenant_context
from app.core.extensions import db, limiter
from app.core.forms import act_on_form, save_form
from app.core.hosts import ApexBlueprint, TenantBlueprint, tenant_host
from app.core.security import allow_form_action
from app.core.uploads import accepts_files, kind_for_mime, upload_response
from app.plans.models import Plan

apex = ApexBlueprint("apex", __name__)
settings = TenantBlueprint("settings", __name__)


@apex.before_request
def forms_lead_to_workspaces():
    """The apex's sign-in and signup forms end on the workspace's own host."""
    allow_form_action(tenant_host("*"))


def _public_plans():
    return db.session.scalars(select(Plan).where(Plan.is_public.is_(True)).order_by(Plan.sort_order)).all()


@apex.route("/")
def landing():
    return render_template("apex/landing.html", plans=_public_plans(), form=SignupForm())


@apex.route("/pricing")
def pricing():
    return render_template("apex/pricing.html", plans=_public_plans())


def _sign_in_page(address_form=None, email_form=None):
    forms = {"address_form": address_form or WorkspaceAddressForm(), "email_form": email_form or WorkspaceEmailForm()}
    failed = any(form.errors for form in forms.values())
    return render_template("apex/sign_in.html", **forms), 422 if failed else 200


@apex.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def sign_in():
    """Sign in from the apex: the workspace's address leads to its own sign-in page."""
    form = WorkspaceAddressForm()
    tenant = save_form(form, lambda: services.find_workspace(form.address.data))
    if tenant is not None:
        return redirect(url_for("auth.login", host=tenant_host(tenant.slug), _external=True))
    return _sign_in_page(address_form=form)


@apex.route("/login/email", methods=["POST"])
@limiter.limit("5 per 15 minutes")
def sign_in_by_email():
    """Forgot the address: each workspace of the email is sent its sign-in link."""
    form = WorkspaceEmailForm()
    if not form.validate_on_submit():
        return _sign_in_page(email_form=form)
    services.email_workspace_links(form.email.data)
    flash("If that address has an account, we have emailed the sign-in link of each of its workspaces.", "info")
    return redirect(url_for("apex.sign_in"))


@apex.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    form = SignupForm()
    signed_up = save_form(
        form,
        lambda: services.sign_up(
            agency_name=form.agency_name.data,
            name=form.name.data,
            slug=form.slug.data,
            email=form.email.data,
            password=form.password.data,
            timezone=form.timezone.data,
        ),
    )
    if signed_up is not None:
        tenant, owner = signed_up
        with tenant_context(tenant.id):
            token = issue_login_handoff(owner)
        return redirect(url_for("auth.handoff", token=token, host=tenant_host(tenant.slug), _external=True))
    return render_template("apex/signup.html", form=form, plans=_public_plans()), 422 if form.errors else 200


@settings.route("/settings", methods=["GET", "POST"])
@accepts_files("logo")
@requires_permission("settings.manage")
def agency():
    tenant = g.tenant
    form = SettingsForm(obj=tenant)
    saved = act_on_form(
        form,
        lambda: services.update_settings(
            tenant,
            name=form.name.data,
            timezone=form.timezone.data,
            currency=form.currency.data,
            brand_color=form.brand_color.data,
            logo=form.logo.data or None,
            remove_logo=form.remove_logo.data,
            actor=current_user,
        ),
    )
    if saved:
        flash("Agency settings saved.", "success")
        return redirect(url_for("settings.agency"))
    return render_template("agency/settings.html", form=form), 422 if form.errors else 200


@settings.route("/branding/logo")
def logo():
    tenant = g.tenant
    kind = kind_for_mime(tenant.logo_mime)
    if kind is None or not tenant.logo_data:
        abort(404)
    return upload_response(tenant.logo_data, kind, filename="logo", cache_control="public, max-age=86400")
