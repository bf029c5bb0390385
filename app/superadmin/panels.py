"""Panels on the console's tenant page: other packages add theirs without editing the page.

A panel is a template rendered with `tenant` plus whatever its context function returns; the
function runs in the console's platform scope (enter `tenant_context(tenant.id)` to read the
tenant's own tables). Billing, say, registers a Stripe panel from its own package.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from app.plans.lifecycle import list_history
from app.superadmin.tenants import tenant_invitations, tenant_users


@dataclass(frozen=True)
class TenantPanel:
    key: str
    title: str
    template: str
    context: Callable[..., dict]
    order: int = 100


def _users(tenant) -> dict:
    return {"users": tenant_users(tenant), "invitations": tenant_invitations(tenant)}


def _history(tenant) -> dict:
    return {"history": list_history(tenant.id)}


TENANT_PANELS: list[TenantPanel] = [
    TenantPanel("users", "Users", "superadmin/panels/users.html", _users, order=10),
    TenantPanel("history", "Status history", "superadmin/panels/history.html", _history, order=20),
]


def register_tenant_panel(panel: TenantPanel) -> None:
    if all(existing.key != panel.key for existing in TENANT_PANELS):
        TENANT_PANELS.append(panel)
        TENANT_PANELS.sort(key=lambda item: item.order)


def panels_for(tenant) -> list[dict]:
    """Each panel rendered to HTML, in order."""

    return [
        {
            "key": panel.key,
            "title": panel.title,
            # The template's own autoescaped output.
            "html": Markup(render_template(panel.template, tenant=tenant, **panel.context(tenant))),  # noqa: S704
        }
        for panel in TENANT_PANELS
    ]
