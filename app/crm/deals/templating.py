"""Template helpers of the deal pages: amounts in a currency, rotting markers, durations."""

from decimal import Decimal

from app.crm.deals.record import is_rotting
from app.crm.deals.services.pipelines import stage_label

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩", "ILS": "₪", "NGN": "₦"}


def amount(value, currency: str = "USD", short: bool = False) -> str:
    """12000 USD -> "$12,000"; 1234.5 EUR -> "€1,234.50"; `short` -> "$12k", "€1.2M"."""
    if value is None:
        return ""
    number = Decimal(value)
    symbol = SYMBOLS.get(currency or "", "")
    if short and abs(number) >= 1000:
        for limit, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1000), "k")):
            if abs(number) >= limit:
                text = f"{number / limit:,.1f}".removesuffix(".0") + suffix
                break
    else:
        text = f"{number:,.2f}".removesuffix(".00")
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def duration(seconds: int) -> str:
    """A stay in a stage as people say it: "3d 4h", "5h 10m", "under a minute"."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {(seconds % 3600) // 60}m"
    return f"{seconds // 86400}d {(seconds % 86400) // 3600}h"


def install_deal_templating(app) -> None:

    # Named for deals: the quotes package has an `amount` filter of its own.
    app.jinja_env.filters["deal_amount"] = amount
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals.update(deal_is_rotting=is_rotting, deal_stage_label=stage_label)
