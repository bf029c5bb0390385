"""The signed-in user's own profile, password and two-factor settings."""

import segno
from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.auth import services
from app.auth.forms import ChangePasswordForm, DisableTotpForm, EnableTotpForm, ProfileForm
from app.auth.sessions import start_session
from app.auth.throttle import password_retyped
from app.auth.views import bp
from app.core.forms import act_on_form, save_form

PENDING_TOTP_KEY = "pending_totp_secret"


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = ProfileForm(prefix="profile", obj=current_user)
    password = ChangePasswordForm(prefix="password")
    status = 200
    if profile.is_submitted() and "profile-name" in _form_keys():
        saved = act_on_form(
            profile, lambda: services.update_profile(current_user, name=profile.name.data, actor=current_user)
        )
        if saved:
            flash("Profile saved.", "success")
            return redirect(url_for("auth.account"))
        status = 422
    elif password.is_submitted() and "password-current_password" in _form_keys():

        def change():
            with _retyped("current_password"):
                services.change_password(
                    current_user,
                    current_password=password.current_password.data,
                    new_password=password.new_password.data,
                )

        changed = act_on_form(password, change)
        if changed:
            # The password change rotated the session token; keep *this* browser signed in.
            start_session(current_user._get_current_object(), tenant_id=g.tenant.id)
            flash("Password changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
        status = 422
    return render_template("auth/account.html", profile=profile, password=password), status


def _form_keys():
    return request.form.keys()


def _retyped(field: str):
    return password_retyped(str(g.tenant.id), current_user.email, request.remote_addr, field=field)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    if current_user.totp_enabled:
        return render_template("auth/two_factor_enabled.html", form=DisableTotpForm())
    secret = session.get(PENDING_TOTP_KEY) or services.new_totp_secret()
    session[PENDING_TOTP_KEY] = secret
    form = EnableTotpForm()
    codes = save_form(form, lambda: services.enable_totp(current_user, secret=secret, code=form.code.data))
    if codes is not None:
        session.pop(PENDING_TOTP_KEY, None)
        flash("Two-factor authentication is on.", "success")
        return render_template("auth/recovery_codes.html", codes=codes)
    uri = services.totp_uri(current_user, secret, issuer=f"Atrium ({g.tenant.name})")
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#111827")
    status = 422 if form.errors else 200
    return render_template("auth/two_factor_setup.html", form=form, secret=secret, qr_svg=qr_svg), status


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable():
    form = DisableTotpForm()

    def disable():
        with _retyped("password"):
            services.disable_totp(current_user, password=form.password.data)

    if not act_on_form(form, disable):
        return render_template("auth/two_factor_enabled.html", form=form), 422
    flash("Two-factor authentication is off.", "info")
    return redirect(url_for("auth.account"))
