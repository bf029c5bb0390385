"""Console sign-in and sign-out (its own cookie, its own table), with TOTP when required."""

import pyotp
from flask import current_app, flash, redirect, render_template, request, session, url_for

from app.auth.sessions import sign_out, start_session
from app.auth.throttle import start_password_attempt, start_second_factor_attempt
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.forms import apply_errors
from app.core.ids import parse_uuid
from app.core.security import safe_next_url
from app.core.types import utcnow
from app.superadmin import services
from app.superadmin.access import is_platform_admin
from app.superadmin.forms import AdminLoginForm, AdminTotpForm
from app.superadmin.models import PlatformAdmin
from app.superadmin.views import bp

SCOPE = "console"
PENDING_KEY = "pending_admin_2fa"
PENDING_SECONDS = 300


@bp.route("/login", methods=["GET", "POST"])
def login():
    if is_platform_admin():
        return redirect(url_for("console.index"))
    form = AdminLoginForm()
    if form.validate_on_submit():
        attempt = start_password_attempt(SCOPE, form.email.data, request.remote_addr)
        admin = services.authenticate_admin(form.email.data, form.password.data)
        if admin is None:
            attempt.failed()
            form.form_errors.append("That email and password do not match a platform admin.")
            return render_template("superadmin/login.html", form=form)
        attempt.succeeded()
        destination = safe_next_url(request.args.get("next"), url_for("console.index"))
        if admin.totp_enabled or current_app.config["REQUIRE_ADMIN_TOTP"]:
            # Password checked; the second step either verifies a code or, when TOTP is
            # required but not set up yet, enrols the admin before the session starts.
            enrol = not admin.totp_enabled
            session.clear()
            session[PENDING_KEY] = {
                "admin": str(admin.id),
                "at": utcnow().timestamp(),
                "next": destination,
                "secret": pyotp.random_base32() if enrol else None,
            }
            return redirect(url_for("console.login_enrol" if enrol else "console.login_second_factor"))
        services.record_admin_login(admin)
        start_session(admin, tenant_id=None)
        return redirect(destination)
    return render_template("superadmin/login.html", form=form), 422 if form.errors else 200


def _pending_admin() -> tuple[PlatformAdmin | None, dict]:
    pending = session.get(PENDING_KEY) or {}
    admin_id = parse_uuid(pending.get("admin"))
    fresh = utcnow().timestamp() - float(pending.get("at", 0)) < PENDING_SECONDS
    admin = db.session.get(PlatformAdmin, admin_id) if admin_id and fresh else None
    if admin is not None and not admin.is_active_admin:
        admin = None
    return admin, pending


@bp.route("/login/verify", methods=["GET", "POST"])
def login_second_factor():
    admin, pending = _pending_admin()
    if admin is None or not admin.totp_enabled:
        flash("Please sign in again.", "warning")
        return redirect(url_for("console.login"))
    form = AdminTotpForm()
    if form.validate_on_submit():
        attempt = start_second_factor_attempt(SCOPE, admin.id, request.remote_addr)
        if not services.verify_admin_totp(admin, form.code.data):
            attempt.failed()
            form.code.errors.append("That code is not valid.")
            return render_template("superadmin/two_factor.html", form=form), 422
        attempt.succeeded()
        services.record_admin_login(admin)
        destination = safe_next_url(pending.get("next"), url_for("console.index"))
        start_session(admin, tenant_id=None)
        return redirect(destination)
    return render_template("superadmin/two_factor.html", form=form), 422 if form.errors else 200


@bp.route("/login/enrol", methods=["GET", "POST"])
def login_enrol():
    """First sign-in where TOTP is required: set it up, then the session starts."""
    admin, pending = _pending_admin()
    secret = pending.get("secret")
    if admin is None or admin.totp_enabled or not secret:
        flash("Please sign in again.", "warning")
        return redirect(url_for("console.login"))
    form = AdminTotpForm()
    if form.validate_on_submit():
        attempt = start_second_factor_attempt(SCOPE, admin.id, request.remote_addr)
        try:
            services.enable_admin_totp(admin, secret=secret, code=form.code.data)
        except ValidationFailed as exc:
            attempt.failed()
            apply_errors(form, exc)
        else:
            attempt.succeeded()
            services.record_admin_login(admin)
            destination = safe_next_url(pending.get("next"), url_for("console.index"))
            start_session(admin, tenant_id=None)
            flash("Two-factor authentication is on for your console account.", "success")
            return redirect(destination)
    _, qr_svg = services.totp_provisioning(admin, secret)
    status = 422 if form.errors else 200
    return render_template("superadmin/enrol_login.html", form=form, secret=secret, qr_svg=qr_svg), status


@bp.route("/logout", methods=["POST"])
def logout():
    sign_out()
    flash("You are signed out of the console.", "info")
    return redirect(url_for("console.login"))
