"""Installing a record type into the app: the registry, its permissions and API scopes, its
plan counter, its navigation item and what it contributes to other types' pages."""

from sqlalchemy import func, select

from app.api.scopes import register_scope_object
from app.auth.permissions import register_record_permissions
from app.core.audit import register_audit_subject
from app.core.extensions import db
from app.core.navigation import NavItem, register_nav_item
from app.plans.services import register_usage_counter
from app.records.capabilities import Panel
from app.records.conditions import Condition
from app.records.counts import record_count
from app.records.registry import contribute, register_record_type


def install_record_type(record_type) -> None:
    """Idempotent: the app factory runs it for every app it makes."""
    register_record_type(record_type)
    register_record_permissions(record_type.plural, record_type.label_plural)
    register_scope_object(record_type.plural, record_type.label_plural)
    register_audit_subject(record_type.name, record_type.label)
    if record_type.meter:
        register_usage_counter(
            record_type.meter,
            lambda tenant_id: record_count(record_type, tenant_id),
            grouped=lambda tenant_ids: _count_by_tenant(record_type.model, tenant_ids),
        )
    label, endpoint, icon = record_type.nav
    register_nav_item(
        NavItem(
            label,
            endpoint,
            icon,
            record_type.permission("view"),
            group=record_type.nav_group,
            order=record_type.nav_order,
            badge=record_type.nav_badge,
            args=tuple(record_type.nav_args.items()),
        )
    )


def unserved_record_types(record_types, blueprints, *, prefix: str = "") -> list:
    """The types that no blueprint of `blueprints` serves (they are named `<prefix><plural>`):
    the app gives them the kit's, so a type with no routes of its own needs no views.py or api.py."""
    names = {blueprint.name for blueprint in blueprints}
    return [record_type for record_type in record_types if f"{prefix}{record_type.plural}" not in names]


def _count_by_tenant(model, tenant_ids) -> dict:
    stmt = select(model.tenant_id, func.count(model.id)).group_by(model.tenant_id)
    if tenant_ids is not None:
        stmt = stmt.where(model.tenant_id.in_(tenant_ids))
    return dict(db.session.execute(stmt).all())


def install_contributions(record_types) -> None:
    """After every type is registered: the tabs, panels and segment conditions types add to
    each other (a deal's "has an open deal" condition on contacts, say)."""
    for record_type in record_types:
        for target, contribution in record_type.contributes:
            if isinstance(contribution, Condition):
                kind = "condition"
            else:
                kind = "panel" if isinstance(contribution, Panel) else "tab"
            # "*": every other type whose page is a 360° view of a record (it keeps a timeline).
            targets = (
                [other.name for other in record_types if other is not record_type and other.has("timeline")]
                if target == "*"
                else [target]
            )
            for name in targets:
                contribute(name, kind, contribution)
