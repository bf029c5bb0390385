"""Jinja filters every page may use; the shell's own helpers are in app.shell."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import g

from app.core.audit import audit_action_label, audit_details_text
from app.core.colours import readable_text, text_on
from app.core.currencies import decimal_places, format_amount, minor_unit
from app.core.security import csp_nonce
from app.core.text import plural, quantity_with_unit

# A moment as every page writes one: "05 Feb 2027, 14:30".
MOMENT_FORMAT = "%d %b %Y, %H:%M"
# The same with seconds, where one minute holds several entries (a run's log, webhook deliveries).
MOMENT_WITH_SECONDS = "%d %b %Y, %H:%M:%S"


def localtime(value: datetime | None, fmt: str = MOMENT_FORMAT, *, seconds: bool = False) -> str:
    if value is None:
        return ""
    if seconds:
        fmt = MOMENT_WITH_SECONDS
    tenant = g.get("tenant")
    zone = ZoneInfo(tenant.timezone) if tenant is not None else ZoneInfo("UTC")
    return value.astimezone(zone).strftime(fmt)


def day(value: date | str | None) -> str:
    """A calendar date as every page writes one: "05 Feb 2027" (not ISO "2027-02-05", which
    reads as a code beside the dates around it). A document's frozen copy (a sent quote's
    version) keeps its dates as ISO text: they read the same."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d %b %Y")


# How a changed date and moment are recorded (ISO, for webhooks and the API alike), and so read.
RECORDED_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
RECORDED_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def change_text(value) -> str:
    """One side of a recorded change as the timeline shows it: "—" for nothing, a list joined,
    a yes or no as the pages write it, a day and a moment written as the pages write them
    ("28 Dec 2026", "28 Dec 2026, 14:30")."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    if isinstance(value, str) and RECORDED_DAY.fullmatch(value):
        return day(value)
    if isinstance(value, str) and RECORDED_MOMENT.fullmatch(value):
        return datetime.strptime(value, "%Y-%m-%d %H:%M").strftime(MOMENT_FORMAT)
    return str(value)


def rounded_to(currency: str | None) -> str:
    """What a line's amount is rounded to, for a document's footnote: "the cent", or "whole JPY"
    for a currency without decimals (a yen has no hundredths to round to)."""
    return "the cent" if decimal_places(currency) else f"whole {currency}"


def money(cents: int | None, currency: str = "USD") -> str:
    """A price kept in the currency's smallest unit (the plans', Stripe's), as people read it:
    2900 USD -> "$29"; 2900 JPY -> "¥2,900" (yen have no hundredths)."""
    if cents is None:
        return ""
    return format_amount(Decimal(cents) * minor_unit(currency), currency)


def install(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["plural"] = plural
    app.jinja_env.globals["rounded_to"] = rounded_to
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["change_text"] = change_text
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["audit_label"] = audit_action_label
    app.jinja_env.filters["audit_details"] = audit_details_text
    app.jinja_env.filters["quantity_with_unit"] = quantity_with_unit
    app.jinja_env.filters["readable_text"] = readable_text
    app.jinja_env.filters["text_on"] = text_on
