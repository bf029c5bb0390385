"""API key settings and the API reference page (HTML, signed-in owners and admins)."""

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user

from app.api import services
from app.api.docs import reference_from_spec
from app.api.forms import ApiKeyForm, ConfirmForm
from app.api.models import ApiKey
from app.api.mount import ApiAreaBlueprint
from app.api.scopes import ACCESS_LEVELS, SCOPE_OBJECTS
from app.api.spec import tenant_spec
from app.auth.permissions import requires_permission
from app.core.errors import AppError
from app.core.forms import save_form
from app.core.lookups import get_or_404
from app.core.transactions import undone_if_refused
from app.plans.services import entitlements, requires_feature
from app.plans.status import allow_when_read_only

bp = ApiAreaBlueprint("api", __name__)


def _render(form=None, *, new_key=None, secret=None, status=200):
    response = render_template(
        "api/keys.html",
        api_enabled=entitlements(g.tenant).has_feature("api"),
        keys=services.list_api_keys(),
        form=form or ApiKeyForm(),
        confirm_form=ConfirmForm(),
        scope_objects=SCOPE_OBJECTS,
        access_levels=ACCESS_LEVELS,
        new_key=new_key,
        secret=secret,
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/settings/api")
@requires_permission("api_keys.manage")
def keys():
    """Listing and revoking stay open after a downgrade; only issuing keys needs the plan feature."""
    return _render()


@bp.route("/settings/api/keys", methods=["POST"])
@requires_permission("api_keys.manage")
@requires_feature("api")
def create_key():
    form = ApiKeyForm()
    issued = save_form(
        form, lambda: services.create_api_key(name=form.name.data, scopes=form.scopes.data, actor=current_user)
    )
    if issued is None:
        return _render(form, status=422)
    key, secret = issued
    # Rendered, not redirected: the secret must never travel through the (signed, not secret) session.
    return _render(new_key=key, secret=secret, status=201)


# A read-only workspace's keys still read and export its records: revoking one must still work.
allow_when_read_only("api.revoke_key")


@bp.route("/settings/api/keys/<uuid:key_id>/revoke", methods=["POST"])
@requires_permission("api_keys.manage")
def revoke_key(key_id):
    key = get_or_404(ApiKey, key_id)
    try:
        with undone_if_refused():
            services.revoke_api_key(key, actor=current_user)
    except AppError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("api.keys"))
    flash(f"The key “{key.name}” is revoked; calls with it are refused from now on.", "success")
    return redirect(url_for("api.keys"))


@bp.route("/settings/api/docs")
@requires_permission("api_keys.manage")
@requires_feature("api")
def reference():
    return render_template("api/docs.html", reference=reference_from_spec(tenant_spec()))


@bp.route("/api/v1/docs")
def docs_redirect():
    """Where developers look first; the reference itself is a signed-in page."""
    return redirect(url_for("api.reference"))
