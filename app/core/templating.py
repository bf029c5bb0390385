"""Jinja globals and filters shared by every page."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g
from flask_login import current_user

from app.auth.permissions import can
from app.core.security import csp_nonce


def localtime(value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    tenant = g.get("tenant")
    zone = ZoneInfo(tenant.timezone) if tenant is not None else ZoneInfo("UTC")
    return value.astimezone(zone).strftime(fmt)


def money(cents: int | None, currency: str = "USD") -> str:
    if cents is None:
        return ""
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    amount = f"{cents / 100:,.2f}".removesuffix(".00")
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def _nav_allowed(item) -> bool:
    from app.plans.services import entitlements

    if item.permission and not can(current_user, item.permission):
        return False
    return not item.feature or entitlements(g.tenant).has_feature(item.feature)


def install(app) -> None:
    from app.plans.banners import shell_banners
    from app.superadmin.navigation import console_nav

    app.jinja_env.globals.update(
        csp_nonce=csp_nonce,
        can=lambda perm: can(current_user, perm),
        shell_banners=shell_banners,
        console_nav=console_nav,
    )
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["money"] = money
    from app.plans.models import FEATURE_LABELS, LIMIT_LABELS

    app.jinja_env.filters["feature_label"] = lambda key: FEATURE_LABELS.get(key, key.replace("_", " "))
    app.jinja_env.filters["limit_label"] = lambda key: LIMIT_LABELS.get(key, key.replace("_", " "))

    @app.context_processor
    def shell_context():
        from app.core.navigation import navigation_for

        return {
            "current_tenant": g.get("tenant"),
            "host_kind": g.get("host_kind"),
            "nav": navigation_for(_nav_allowed),
        }
