"""Jinja filters every page may use; the shell's own helpers are in app.shell."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import g

from app.core.audit import audit_action_label, audit_details_text
from app.core.colours import readable_text, text_on
from app.core.currencies import format_amount
from app.core.security import csp_nonce
from app.core.text import plural, quantity_with_unit


def localtime(value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    tenant = g.get("tenant")
    zone = ZoneInfo(tenant.timezone) if tenant is not None else ZoneInfo("UTC")
    return value.astimezone(zone).strftime(fmt)


def money(cents: int | None, currency: str = "USD") -> str:
    """A price kept in cents (the plans'), as people read it: 2900 -> "$29"."""
    if cents is None:
        return ""
    return format_amount(Decimal(cents) / 100, currency)


def install(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["plural"] = plural
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["audit_label"] = audit_action_label
    app.jinja_env.filters["audit_details"] = audit_details_text
    app.jinja_env.filters["quantity_with_unit"] = quantity_with_unit
    app.jinja_env.filters["readable_text"] = readable_text
    app.jinja_env.filters["text_on"] = text_on
