"""/settings/webhooks: subscriptions, their secret and signing snippet, and the delivery log."""

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import requires_permission
from app.core.errors import ValidationFailed
from app.core.forms import delete_and_redirect, save_form
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.crm.webhooks import services
from app.crm.webhooks.forms import WebhookForm
from app.crm.webhooks.signing import SIGNATURE_HEADER, VERIFICATION_SNIPPET

bp = TenantBlueprint("webhooks", __name__)
register_nav_item(NavItem("Webhooks", "webhooks.index", "broadcast", "webhooks.view", "settings"))


def _index(form=None, status=200):
    return render_template(
        "crm/webhooks/index.html", subscriptions=services.list_subscriptions(), form=form or WebhookForm(formdata=None)
    ), status


@bp.route("/settings/webhooks")
@requires_permission("webhooks.view")
def index():
    return _index()


@bp.route("/settings/webhooks", methods=["POST"])
@requires_permission("webhooks.create")
def create():
    form = WebhookForm()
    subscription = save_form(form, lambda: services.create_subscription(form.to_data(), actor=current_user))
    if subscription is None:
        return _index(form, 422)
    flash(f"Webhook “{subscription.name}” added. Copy its signing secret below.", "success")
    return redirect(url_for("webhooks.show", webhook_id=subscription.id))


def _show(subscription, form=None, status=200):
    page = services.list_deliveries(subscription, cursor=request.args.get("cursor"))
    if form is None:
        form = WebhookForm(formdata=None, obj=subscription)
    return render_template(
        "crm/webhooks/show.html",
        subscription=subscription,
        form=form,
        page=page,
        snippet=VERIFICATION_SNIPPET,
        signature_header=SIGNATURE_HEADER,
    ), status


@bp.route("/settings/webhooks/<uuid:webhook_id>")
@requires_permission("webhooks.view")
def show(webhook_id):
    return _show(services.get_subscription(webhook_id))


@bp.route("/settings/webhooks/<uuid:webhook_id>", methods=["POST"])
@requires_permission("webhooks.edit")
def update(webhook_id):
    subscription = services.get_subscription(webhook_id)
    form = WebhookForm()
    if save_form(form, lambda: services.update_subscription(subscription, form.to_data(), actor=current_user)) is None:
        return _show(subscription, form, 422)
    flash("Webhook saved.", "success")
    return redirect(url_for("webhooks.show", webhook_id=subscription.id))


def _add_subscription_action(path: str, endpoint: str, action: Callable[..., object], done: str) -> None:
    """POST /settings/webhooks/<id>/<path> (for editors): `action` on the subscription, then
    back to its page with `done` flashed."""

    @bp.route(f"/settings/webhooks/<uuid:webhook_id>/{path}", methods=["POST"], endpoint=endpoint)
    @requires_permission("webhooks.edit")
    def act(webhook_id):
        action(services.get_subscription(webhook_id), actor=current_user)
        flash(done, "success")
        return redirect(url_for("webhooks.show", webhook_id=webhook_id))


_add_subscription_action(
    "rotate", "rotate", services.rotate_secret, "A new signing secret is in use; update your receiver."
)
_add_subscription_action(
    "test", "send_test", services.send_test_event, "A test event is on its way; it appears in the delivery log."
)


@bp.route("/settings/webhooks/<uuid:webhook_id>/delete", methods=["POST"])
@requires_permission("webhooks.delete")
def delete(webhook_id):
    return delete_and_redirect(
        services.get_subscription(webhook_id),
        services.delete_subscription,
        "Webhook “{name}” deleted.",
        url_for("webhooks.index"),
    )


@bp.route("/settings/webhooks/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/replay", methods=["POST"])
@requires_permission("webhooks.edit")
def replay(webhook_id, delivery_id):
    subscription = services.get_subscription(webhook_id)
    try:
        services.replay_delivery(services.get_delivery(subscription, delivery_id), actor=current_user)
    except ValidationFailed as exc:
        flash(exc.message, "danger")
        return _show(subscription, status=422)
    flash("The delivery will be sent again.", "success")
    return redirect(url_for("webhooks.show", webhook_id=webhook_id))
