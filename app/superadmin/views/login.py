"""Console sign-in and sign-out (its own cookie, its own table)."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth.sessions import end_session, start_session
from app.auth.throttle import check_login_allowed, clear_account_failures, record_login_failure
from app.core.security import safe_next_url
from app.core.types import utcnow
from app.extensions import db
from app.superadmin import services
from app.superadmin.access import requires_platform_admin
from app.superadmin.forms import AdminLoginForm, AdminTotpForm
from app.superadmin.models import PlatformAdmin
from app.superadmin.views import bp

SCOPE = "console"
PENDING_KEY = "pending_admin_2fa"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and isinstance(current_user._get_current_object(), PlatformAdmin):
        return redirect(url_for("console.index"))
    form = AdminLoginForm()
    if form.validate_on_submit():
        check_login_allowed(SCOPE, form.email.data, request.remote_addr)
        admin = services.authenticate_admin(form.email.data, form.password.data)
        if admin is None:
            record_login_failure(SCOPE, form.email.data, request.remote_addr)
            form.form_errors.append("That email and password do not match a platform admin.")
            return render_template("superadmin/login.html", form=form)
        clear_account_failures(SCOPE, form.email.data)
        destination = safe_next_url(request.args.get("next"), url_for("console.index"))
        if admin.totp_enabled or current_app.config["REQUIRE_ADMIN_TOTP"]:
            if not admin.totp_enabled:
                form.form_errors.append(
                    "Two-factor authentication is required for the console; ask an operator to enrol you."
                )
                return render_template("superadmin/login.html", form=form), 403
            session.clear()
            session[PENDING_KEY] = {"admin": str(admin.id), "at": utcnow().timestamp(), "next": destination}
            return redirect(url_for("console.login_second_factor"))
        services.record_admin_login(admin)
        start_session(admin, tenant_id=None)
        return redirect(destination)
    return render_template("superadmin/login.html", form=form), 422 if form.errors else 200


@bp.route("/login/verify", methods=["GET", "POST"])
def login_second_factor():
    from app.core.ids import parse_uuid

    pending = session.get(PENDING_KEY) or {}
    admin_id = parse_uuid(pending.get("admin"))
    fresh = utcnow().timestamp() - float(pending.get("at", 0)) < 300
    admin = db.session.get(PlatformAdmin, admin_id) if admin_id and fresh else None
    if admin is None:
        flash("Please sign in again.", "warning")
        return redirect(url_for("console.login"))
    form = AdminTotpForm()
    if form.validate_on_submit():
        check_login_allowed(SCOPE, admin.email, request.remote_addr)
        if not services.verify_admin_totp(admin, form.code.data):
            record_login_failure(SCOPE, admin.email, request.remote_addr)
            form.code.errors.append("That code is not valid.")
            return render_template("superadmin/two_factor.html", form=form)
        services.record_admin_login(admin)
        destination = safe_next_url(pending.get("next"), url_for("console.index"))
        start_session(admin, tenant_id=None)
        return redirect(destination)
    return render_template("superadmin/two_factor.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    flash("You are signed out of the console.", "info")
    return redirect(url_for("console.login"))


@bp.route("/")
@requires_platform_admin
def index():
    return render_template("superadmin/index.html")
