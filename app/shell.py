"""What every page around its content shows: the navigation the user may follow, the plan
banners, the console's menu, and the plan labels. It sits above auth, plans and the console,
which is why it is not in app.core: core's own Jinja helpers know nothing of them."""

from flask import current_app, g, render_template
from flask_login import current_user, login_required

from app.auth.permissions import can
from app.core.hosts import TenantBlueprint
from app.core.navigation import navigation_for
from app.plans.banners import shell_banners
from app.plans.catalogue import RESOURCE_LABELS
from app.plans.lifecycle import plan_names
from app.plans.models import FEATURE_LABELS, LIMIT_FEATURES, limit_label
from app.plans.services import entitlements, get_plan_limit, offered_features, offered_limits
from app.records.pages import permission_action_state
from app.superadmin.navigation import console_nav
from app.tenants.models import TenantStatus


def nav_item_allowed(item) -> bool:
    if item.permission and not can(current_user, item.permission):
        return False
    return not item.feature or entitlements(g.tenant).has_feature(item.feature)


bp = TenantBlueprint("shell", __name__)


@bp.route("/nav/badges")
@login_required
def nav_badges():
    """Every count of the top bar in one response, each swapped into its entry out of band: a
    page asks once when loaded, and again when a view says a count changed (HX-Trigger)."""
    entries = [item for item in navigation_for(nav_item_allowed)["main"] if item["badge"]]
    # Each count is its entry's own badge view (the bar shows only entries the user may open).
    counts = [(item["badge"][0], current_app.view_functions[item["badge"][0]]()) for item in entries]
    return render_template("partials/nav_badges.html", counts=counts)


def plan_name(code: str | None) -> str:
    """A plan as the catalogue names it ("Premium"), for history rows that keep its code."""
    return plan_names().get(code, code or "") if code else ""


def install_shell(app) -> None:
    app.jinja_env.globals.update(
        can=lambda perm: can(current_user, perm),
        shell_banners=shell_banners,
        console_nav=console_nav,
        offered_limits=offered_limits,
        offered_features=offered_features,
        plan_limit=get_plan_limit,
        limit_feature=LIMIT_FEATURES.get,
        write_action=permission_action_state,
    )
    app.jinja_env.filters["feature_label"] = lambda key: FEATURE_LABELS.get(key, key.replace("_", " "))
    app.jinja_env.filters["limit_label"] = limit_label
    app.jinja_env.filters["tenant_status"] = lambda status: TenantStatus.LABELS.get(status, status)
    app.jinja_env.filters["plan_name"] = plan_name
    app.jinja_env.filters["resource_label"] = lambda key: RESOURCE_LABELS.get(key, key.replace("_", " "))

    @app.context_processor
    def shell_context():
        return {
            "current_tenant": g.get("tenant"),
            "host_kind": g.get("host_kind"),
            "nav": navigation_for(nav_item_allowed),
        }
