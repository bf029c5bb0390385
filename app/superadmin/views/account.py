"""The signed-in platform admin's own two-factor settings."""

import pyotp
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth.throttle import password_retyped
from app.core.errors import Conflict
from app.core.forms import act_on_form
from app.superadmin import services
from app.superadmin.access import requires_platform_admin
from app.superadmin.forms import AdminTotpForm, DisableAdminTotpForm
from app.superadmin.views import bp
from app.superadmin.views.login import SCOPE

PENDING_SECRET_KEY = "pending_admin_totp_secret"


@bp.route("/account/two-factor", methods=["GET", "POST"])
@requires_platform_admin
def two_factor():
    admin = current_user._get_current_object()
    required = current_app.config["REQUIRE_ADMIN_TOTP"]
    if admin.totp_enabled:
        return render_template("superadmin/two_factor_on.html", form=DisableAdminTotpForm(), required=required)

    secret = session.get(PENDING_SECRET_KEY) or pyotp.random_base32()
    session[PENDING_SECRET_KEY] = secret
    form = AdminTotpForm()
    if act_on_form(form, lambda: services.enable_admin_totp(admin, secret=secret, code=form.code.data)):
        session.pop(PENDING_SECRET_KEY, None)
        flash("Two-factor authentication is on. You will be asked for a code at every sign-in.", "success")
        return redirect(url_for("console.two_factor"))
    _, qr_svg = services.totp_provisioning(admin, secret)
    status = 422 if form.errors else 200
    return render_template("superadmin/enrol.html", form=form, secret=secret, qr_svg=qr_svg, required=False), status


@bp.route("/account/two-factor/disable", methods=["POST"])
@requires_platform_admin
def two_factor_disable():
    form = DisableAdminTotpForm()
    required = current_app.config["REQUIRE_ADMIN_TOTP"]
    admin = current_user._get_current_object()

    def disable():
        with password_retyped(SCOPE, admin.email, request.remote_addr, field="password"):
            services.disable_admin_totp(admin, password=form.password.data, required=required)

    try:
        disabled = act_on_form(form, disable)
    except Conflict as exc:  # this console requires two-factor
        form.form_errors.append(exc.message)
        disabled = False
    if disabled:
        flash("Two-factor authentication is off.", "info")
        return redirect(url_for("console.two_factor"))
    return render_template("superadmin/two_factor_on.html", form=form, required=required), 422
