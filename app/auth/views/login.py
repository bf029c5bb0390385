"""Sign-in, two-factor step, sign-out, password reset, invitation acceptance, login hand-off."""

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth import services
from app.auth.forms import AcceptInvitationForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, TwoFactorForm
from app.auth.models import TokenPurpose, User
from app.auth.sessions import end_session, sign_out, start_session
from app.auth.throttle import clear_password_failures, start_password_attempt, start_second_factor_attempt
from app.auth.views import bp
from app.core.errors import AppError
from app.core.extensions import db
from app.core.forms import save_form
from app.core.ids import parse_uuid
from app.core.security import safe_next_url
from app.core.text import plural
from app.core.types import utcnow

PENDING_2FA_KEY = "pending_2fa"
PENDING_2FA_SECONDS = 300


def _scope() -> str:
    return str(g.tenant.id)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next"), "")
    if form.validate_on_submit():
        email = form.email.data
        attempt = start_password_attempt(_scope(), email, request.remote_addr)
        user = services.authenticate(email, form.password.data)
        if user is None:
            attempt.failed()
            form.form_errors.append("That email and password do not match an active account.")
            return render_template("auth/login.html", form=form)
        attempt.succeeded()
        destination = safe_next_url(form.next.data, url_for("dashboard.index"))
        if user.totp_enabled:
            session.clear()
            session[PENDING_2FA_KEY] = {"user": str(user.id), "at": utcnow().timestamp(), "next": destination}
            return redirect(url_for("auth.login_second_factor"))
        services.record_login(user)
        start_session(user, tenant_id=g.tenant.id)
        return redirect(destination)
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.route("/login/verify", methods=["GET", "POST"])
def login_second_factor():
    pending = session.get(PENDING_2FA_KEY) or {}
    user_id = parse_uuid(pending.get("user"))
    fresh = utcnow().timestamp() - float(pending.get("at", 0)) < PENDING_2FA_SECONDS
    user = db.session.get(User, (g.tenant.id, user_id)) if user_id and fresh else None
    if user is None or not user.is_active_user:
        session.pop(PENDING_2FA_KEY, None)
        flash("Please sign in again.", "warning")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        # Counted on its own: a correct password never clears the second factor's failures.
        attempt = start_second_factor_attempt(_scope(), user.id, request.remote_addr)
        method = services.verify_second_factor(user, form.code.data)
        if method is None:
            services.record_second_factor_failure(user)
            attempt.failed()
            form.code.errors.append("That code is not valid.")
            return render_template("auth/two_factor.html", form=form)
        attempt.succeeded()
        services.record_login(user, method=method)
        destination = safe_next_url(pending.get("next"), url_for("dashboard.index"))
        start_session(user, tenant_id=g.tenant.id)
        if method == "recovery_code":
            flash(f"Recovery code used; {plural(len(user.recovery_code_hashes), 'code')} left.", "warning")
        return redirect(destination)
    return render_template("auth/two_factor.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    destination = sign_out()
    if destination:
        return redirect(destination)
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    # No sign-in throttle here: an account locked by wrong guesses must still be recoverable.
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash("If that address has an account here, a reset link is on its way. It works for one hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.peek_token(token, TokenPurpose.PASSWORD_RESET) is None:
        return render_template("auth/link_expired.html", what="password reset link"), 410
    form = ResetPasswordForm()
    user = save_form(form, lambda: services.reset_password(token, form.password.data))
    if user is None:
        return render_template("auth/reset_password.html", form=form), 422 if request.method == "POST" else 200
    clear_password_failures(_scope(), user.email)
    end_session()
    flash("Your password is changed. Please sign in.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = services.find_open_invitation(token)
    if invitation is None:
        return render_template("auth/link_expired.html", what="invitation"), 410
    form = AcceptInvitationForm()
    try:
        user = save_form(
            form,
            lambda: services.accept_invitation(invitation, name=form.name.data, password=form.password.data),
        )
    except AppError as exc:  # the account exists already, say: a message for the whole form
        form.form_errors.append(exc.message)
        return render_template("auth/accept_invitation.html", form=form, invitation=invitation), exc.status_code
    if user is None:
        status = 422 if request.method == "POST" else 200
        return render_template("auth/accept_invitation.html", form=form, invitation=invitation), status
    services.record_login(user, method="invitation")
    start_session(user, tenant_id=g.tenant.id)
    flash(f"Welcome to {g.tenant.name}!", "success")
    return redirect(url_for("dashboard.index"))


@bp.route("/auth/handoff/<token>")
def handoff(token: str):
    """Finish a sign-in that began on another host (signup on the apex, say)."""
    row = services.consume_token(token, TokenPurpose.LOGIN_HANDOFF)
    if row is None or not row.user.is_active_user:
        abort(404)
    services.record_login(row.user, method="signup")
    start_session(row.user, tenant_id=g.tenant.id)
    return redirect(url_for("dashboard.index"))
