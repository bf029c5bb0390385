"""Read the fields we need out of Stripe's JSON, tolerant of expanded objects and API versions."""

from datetime import UTC, datetime


def stripe_id(value) -> str | None:
    """An id field may be a plain id or an expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def subscription_items(subscription: dict) -> list[dict]:
    return ((subscription.get("items") or {}).get("data")) or []


def item_period(subscription: dict, item: dict | None, field: str) -> datetime | None:
    """Current period bounds live on the item since API 2025-03-31, on the subscription before."""
    if item and item.get(field):
        return timestamp(item[field])
    return timestamp(subscription.get(field))


def payment_method_summary(subscription: dict) -> str | None:
    method = subscription.get("default_payment_method")
    if not method:
        return None
    if not isinstance(method, dict):
        return "Payment method on file"
    card = method.get("card") or {}
    if card:
        brand = (card.get("brand") or "card").replace("_", " ").title()
        expiry = f", expires {int(card['exp_month']):02d}/{card['exp_year']}" if card.get("exp_month") else ""
        return f"{brand} •••• {card.get('last4', '????')}{expiry}"[:120]
    return (method.get("type") or "Payment method").replace("_", " ").capitalize()


def invoice_subscription_id(invoice: dict) -> str | None:
    """Since API 2025-03-31 the subscription sits under parent.subscription_details."""
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return stripe_id(details.get("subscription")) or stripe_id(invoice.get("subscription"))


def tenant_id_from_metadata(obj: dict) -> str | None:
    return ((obj.get("metadata") or {}).get("tenant_id")) or None
