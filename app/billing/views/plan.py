"""The tenant's plan page (beside its billing page, which changes the plan): plan and status, live usage against every limit, history, features."""

from datetime import timedelta

from flask import current_app, g, render_template
from sqlalchemy import select

from app.auth.permissions import requires_permission
from app.core.extensions import db
from app.core.hosts import TenantBlueprint
from app.core.navigation import NavItem, register_nav_item
from app.plans import lifecycle, usage
from app.plans.models import FEATURE_LABELS, Plan
from app.plans.services import entitlements, offered_features

bp = TenantBlueprint("plans", __name__)

register_nav_item(NavItem("Plan and usage", "plans.index", "stars", "plan.view", "settings"), before="audit.index")


def billing_available() -> bool:
    """Without Stripe keys, plans are changed by the platform admin."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


@bp.route("/settings/plan")
@requires_permission("plan.view")
def index():
    tenant = g.tenant
    ent = entitlements(tenant)
    plans = db.session.scalars(
        select(Plan).where((Plan.is_public.is_(True)) | (Plan.code == tenant.plan_code)).order_by(Plan.sort_order)
    ).all()
    return render_template(
        "plans/index.html",
        ent=ent,
        rows=usage.usage_rows(ent),
        history=usage.usage_history(ent),
        features=[(key, FEATURE_LABELS[key], ent.has_feature(key)) for key in offered_features()],
        plans=plans,
        status_changes=lifecycle.list_history(tenant.id, limit=10),
        billing_available=billing_available(),
        grace_until=(
            tenant.past_due_since + timedelta(days=current_app.config["PAST_DUE_GRACE_DAYS"])
            if tenant.past_due_since
            else None
        ),
    )
