"""Installing a record type into the app: the registry, its permissions and API scopes, its
plan counter, its navigation item and what it contributes to other types' pages."""

from sqlalchemy import func, select

from app.api.scopes import register_scope_object
from app.auth.permissions import register_record_permissions
from app.core.extensions import db
from app.core.navigation import NavItem, register_nav_item
from app.plans.services import register_usage_counter
from app.records.capabilities import Panel
from app.records.registry import contribute, register_record_type


def install_record_type(record_type) -> None:
    """Idempotent: the app factory runs it for every app it makes."""
    register_record_type(record_type)
    register_record_permissions(record_type.plural, record_type.label_plural)
    register_scope_object(record_type.plural, record_type.label_plural)
    if record_type.meter:
        model = record_type.model
        register_usage_counter(record_type.meter, lambda tenant_id: db.session.scalar(select(func.count(model.id))))
    register_nav_item(
        NavItem(
            record_type.label_plural,
            f"{record_type.plural}.index",
            record_type.icon,
            record_type.permission("view"),
            order=record_type.nav_order,
        )
    )


def install_contributions(record_types) -> None:
    """After every type is registered: the tabs and panels types add to each other's pages."""
    for record_type in record_types:
        for target, contribution in record_type.contributes:
            contribute(target, "panel" if isinstance(contribution, Panel) else "tab", contribution)
