"""Team management for owners and admins: invite, change role, deactivate."""

from collections.abc import Callable

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from app.auth import services
from app.auth.forms import ConfirmForm, InviteForm, RoleForm
from app.auth.models import Invitation, Role, User
from app.auth.permissions import requires_permission
from app.auth.views import bp
from app.core.errors import AppError
from app.core.extensions import db
from app.core.forms import save_form
from app.core.lookups import get_or_404
from app.plans.services import entitlements
from app.plans.status import allow_when_read_only


def _render(invite_form=None, status=200):
    ent = entitlements(g.tenant)
    users = services.list_users()
    actions = services.team_actions(current_user, users)
    invite_form = invite_form or InviteForm()
    invite_form.role.choices = _role_choices(services.get_assignable_roles(current_user))
    role_forms = {}
    for user in users:
        role_forms[user.id] = RoleForm(prefix=str(user.id), role=user.role)
        role_forms[user.id].role.choices = _role_choices(actions[user.id].roles)
    return (
        render_template(
            "auth/users.html",
            users=users,
            invitations=services.list_pending_invitations(),
            invite_form=invite_form,
            role_forms=role_forms,
            actions=actions,
            # Invitations and reactivations take a seat: at the limit the page offers the upgrade instead.
            seats_full=ent.remaining("users") == 0,
            ent=ent,
            confirm_form=ConfirmForm(),
            roles=Role,
        ),
        status,
    )


def _role_choices(roles) -> list[tuple[str, str]]:
    return [(role, Role.LABELS[role]) for role in roles]


@bp.route("/settings/users")
@requires_permission("users.manage")
def users():
    return _render()


@bp.route("/settings/users/invite", methods=["POST"])
@requires_permission("users.manage")
def invite():
    form = InviteForm()
    invitation = save_form(
        form, lambda: services.invite_user(email=form.email.data, role=form.role.data, actor=current_user)
    )
    if invitation is None:
        return _render(form, 422)
    flash(f"Invitation sent to {invitation.email}.", "success")
    return redirect(url_for("auth.users"))


@bp.route("/settings/users/<uuid:user_id>/role", methods=["POST"])
@requires_permission("users.manage")
def change_role(user_id):
    user = get_or_404(User, user_id)
    form = RoleForm(prefix=str(user.id))
    if not form.validate_on_submit():
        flash("Choose a valid role.", "danger")
        return redirect(url_for("auth.users")), 303
    return _change_and_return(
        lambda: services.change_role(user, form.role.data, actor=current_user),
        f"{user.display_name} is now {Role.LABELS[form.role.data]}.",
    )


def _add_user_action(path: str, change: Callable[..., object], done: str) -> None:
    """POST /settings/users/<id>/<path> (endpoint `path`): `change` the user, then back to the
    team page with `done` flashed (`{name}` their name), or the service's refusal."""

    @bp.route(f"/settings/users/<uuid:user_id>/{path}", methods=["POST"], endpoint=path)
    @requires_permission("users.manage")
    def act(user_id):
        user = get_or_404(User, user_id)
        return _change_and_return(lambda: change(user, actor=current_user), done.format(name=user.display_name))


_add_user_action("deactivate", services.deactivate_user, "{name} is deactivated and signed out.")
_add_user_action("reactivate", services.reactivate_user, "{name} is active again.")
# Taking access away must work in a read-only workspace too: its data can still be read and
# exported, so someone who leaves while it is suspended must not keep their way in.
allow_when_read_only("auth.deactivate")
allow_when_read_only("auth.revoke_invitation")


@bp.route("/settings/invitations/<uuid:invitation_id>/revoke", methods=["POST"])
@requires_permission("users.manage")
def revoke_invitation(invitation_id):
    invitation = get_or_404(Invitation, invitation_id)
    return _change_and_return(
        lambda: services.revoke_invitation(invitation, actor=current_user),
        f"Invitation for {invitation.email} revoked.",
    )


def _change_and_return(change: Callable[[], object], success: str):
    """Run one service call, then go back to the team page. A refused change becomes a flash
    message, not an error page; the savepoint undoes whatever it had written before refusing."""
    try:
        with db.session.begin_nested():
            change()
    except AppError as exc:
        flash(exc.message, "danger")
    else:
        flash(success, "success")
    return redirect(url_for("auth.users"))
