"""Platform admins: the list, adding one, removing one (and giving access back), resetting
another admin's two-factor."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.auth.throttle import password_retyped
from app.core.errors import Conflict
from app.core.forms import save_form
from app.core.transactions import undone_if_refused
from app.superadmin import admins as services
from app.superadmin.access import requires_platform_admin
from app.superadmin.forms import NewAdminForm
from app.superadmin.views import bp
from app.superadmin.views.login import SCOPE


@bp.route("/admins", methods=["GET", "POST"])
@requires_platform_admin
def admins():
    form = NewAdminForm()
    admin = current_user._get_current_object()

    def add():
        # The password typed again counts as a sign-in guess: a stolen session buys no free ones.
        with password_retyped(SCOPE, admin.email, request.remote_addr, field="your_password"):
            return services.add_admin(
                form.email.data, form.name.data, form.password.data, your_password=form.your_password.data, admin=admin
            )

    added = save_form(form, add)
    if added is not None:
        flash(f"{added.email} is a platform admin. Give them their first password in person.", "success")
        return redirect(url_for("console.admins"))
    return render_template(
        "superadmin/admins.html",
        admins=services.list_admins(),
        form=form,
        me=current_user.id,
        min_password_length=MIN_PASSWORD_LENGTH,
    ), 422 if form.errors else 200


def _act_on_admin(admin_id, act, success: str):
    target = services.get_admin_or_none(admin_id)
    if target is None:
        abort(404)
    try:
        with undone_if_refused():
            act(target, admin=current_user)
    except Conflict as exc:
        flash(exc.message, "danger")
    else:
        flash(success.format(email=target.email), "success")
    return redirect(url_for("console.admins"))


@bp.route("/admins/<uuid:admin_id>/remove", methods=["POST"])
@requires_platform_admin
def admin_remove(admin_id):
    return _act_on_admin(admin_id, services.remove_admin, "{email} can no longer use the console.")


@bp.route("/admins/<uuid:admin_id>/restore", methods=["POST"])
@requires_platform_admin
def admin_restore(admin_id):
    return _act_on_admin(admin_id, services.restore_admin, "{email} can use the console again.")


@bp.route("/admins/<uuid:admin_id>/reset-two-factor", methods=["POST"])
@requires_platform_admin
def admin_reset_two_factor(admin_id):
    return _act_on_admin(
        admin_id,
        services.reset_admin_totp,
        "{email}'s two-factor is reset: they set it up again at their next sign-in.",
    )
