"""Console operations on the plan catalogue: create, edit, hide from signup, delete if unused."""

import re
from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.plans import lifecycle
from app.plans.models import FEATURE_KEYS, LIMIT_KEYS, Plan
from app.plans.services import offered_features
from app.superadmin.access import record_platform_audit
from app.tenants.models import Tenant

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
LIMIT_MESSAGE = "Enter a whole number, or leave empty for unlimited."
EDITABLE = (
    "name",
    "description",
    "price_monthly_cents",
    "price_yearly_cents",
    "stripe_price_monthly",
    "stripe_price_yearly",
    "is_public",
    "sort_order",
    "limits",
    "features",
)


def list_plans() -> list[Plan]:
    return db.session.scalars(select(Plan).order_by(Plan.sort_order, Plan.code)).all()


def tenants_per_plan() -> dict[str, int]:
    return dict(db.session.execute(select(Tenant.plan_code, func.count()).group_by(Tenant.plan_code)).all())


def _cents(value) -> int:
    return int((Decimal(value or 0) * 100).quantize(Decimal(1)))


def clean_plan_data(data: dict, kept_features: Collection[str] = ()) -> dict:
    """Turn form data into plan attributes, collecting every field error at once."""
    errors: dict[str, list[str]] = {}
    limits = {}
    for key in LIMIT_KEYS:
        raw = (data.get(f"limit_{key}") or "").strip()
        try:
            limits[key] = lifecycle.parse_limit(raw or "unlimited")
        except ValidationFailed:
            errors[f"limit_{key}"] = [LIMIT_MESSAGE]
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = ["Enter the plan's name."]
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", details=errors)
    monthly = _cents(data.get("price_monthly"))
    yearly = _cents(data.get("price_yearly")) if data.get("price_yearly") is not None else monthly * 10
    return {
        "name": name,
        "description": (data.get("description") or "").strip(),
        "price_monthly_cents": monthly,
        "price_yearly_cents": yearly,
        "stripe_price_monthly": (data.get("stripe_price_monthly") or "").strip() or None,
        "stripe_price_yearly": (data.get("stripe_price_yearly") or "").strip() or None,
        "is_public": bool(data.get("is_public")),
        "sort_order": int(data.get("sort_order") or 0),
        "limits": limits,
        "features": _features(data, kept_features),
    }


def _features(data: dict, kept: Collection[str]) -> list[str]:
    """The offered features ticked in `data`, and the flags of features not built yet (which
    the console does not show) as the plan had them, so they hold when their capability lands."""
    offered = set(offered_features())
    return [key for key in FEATURE_KEYS if (data.get(f"feature_{key}") if key in offered else key in kept)]


def new_plan_code_errors(code: str) -> dict[str, list[str]]:
    """What is wrong with `code` for a new plan: its shape, or a plan that has it already."""
    if not CODE_PATTERN.match(code):
        return {"code": ["Use 2–32 lowercase letters, digits, - or _, starting with a letter."]}
    if db.session.get(Plan, code) is not None:
        return {"code": ["A plan with this code already exists."]}
    return {}


def create_plan(data: dict, *, admin) -> Plan:
    code = (data.get("code") or "").strip().lower()
    errors = new_plan_code_errors(code)
    try:
        values = clean_plan_data(data)
    except ValidationFailed as exc:
        errors.update(exc.details)
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", details=errors)
    plan = Plan(code=code, **values)
    db.session.add(plan)
    db.session.flush()
    record_platform_audit("plan.created", details={"code": code, "name": plan.name})
    return plan


def update_plan(plan: Plan, data: dict, *, admin) -> dict:
    values = clean_plan_data(data, kept_features=plan.features)
    changes = {}
    for field in EDITABLE:
        if getattr(plan, field) != values[field]:
            changes[field] = [getattr(plan, field), values[field]]
            setattr(plan, field, values[field])
    if changes:
        record_platform_audit("plan.updated", details={"code": plan.code, "changes": changes})
    return changes


def delete_plan(plan: Plan, *, admin) -> None:
    in_use = db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.plan_code == plan.code))
    if in_use:
        raise Conflict(
            f"{in_use} agenc{'y is' if in_use == 1 else 'ies are'} on the {plan.name} plan; "
            "move them to another plan before deleting it, or hide it from signup instead."
        )
    try:
        # The foreign key from tenants is the last word if an agency moved onto the plan meanwhile.
        with db.session.begin_nested():
            db.session.delete(plan)
    except IntegrityError as exc:
        raise Conflict(f"Agencies are on the {plan.name} plan; move them to another plan first.") from exc
    record_platform_audit("plan.deleted", details={"code": plan.code, "name": plan.name})
