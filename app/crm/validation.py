"""Input checks shared by the CRM services: text, owners, tags, phones, domains, addresses.

Each check adds readable messages to an `Errors` collector under the field's name, so a
service reports every problem of a submission at once through one ValidationFailed.
"""

import functools
import re
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
from flask import g, has_request_context
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.core.ids import parse_uuid
from app.core.validation import normalize_email_address
from app.extensions import db

ADDRESS_FIELDS = {"line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20, "country": 2}
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ZONE_TABLE = Path("/usr/share/zoneinfo/zone.tab")
# Used when the tenant's time zone names no single country (UTC, say).
CURRENCY_REGIONS = {
    "USD": "US",
    "GBP": "GB",
    "CAD": "CA",
    "AUD": "AU",
    "NZD": "NZ",
    "CHF": "CH",
    "SEK": "SE",
    "NOK": "NO",
    "DKK": "DK",
    "PLN": "PL",
    "CZK": "CZ",
    "JPY": "JP",
    "INR": "IN",
    "BRL": "BR",
    "MXN": "MX",
    "ZAR": "ZA",
    "SGD": "SG",
}


class Errors:
    """Collects field messages; `raise_if_any()` turns them into one ValidationFailed."""

    def __init__(self):
        self.details: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.details.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self, message: str = "Please correct the highlighted fields.") -> None:
        if self.details:
            raise ValidationFailed(message, details=self.details)


def clean_text(data: dict, key: str, errors: Errors, *, max_length: int, required: bool = False, label: str = ""):
    """The stripped string at data[key] (None when absent), checked for length and presence."""
    if key not in data:
        if required:
            errors.add(key, f"{label or 'This field'} is required.")
        return None
    value = data[key]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(key, "Must be text.")
        return None
    value = value.strip()
    if required and not value:
        errors.add(key, f"{label or 'This field'} is required.")
    elif len(value) > max_length:
        errors.add(key, f"Use at most {max_length} characters.")
    return value


def clean_choice(data: dict, key: str, choices, errors: Errors, *, label: str = "value"):
    if key not in data:
        return None
    value = data[key] if data[key] is not None else ""
    if value not in choices:
        errors.add(key, f"Choose a valid {label}.")
        return None
    return value


def clean_email(value, key: str, errors: Errors) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(key, "Enter an email address.")
        return None
    try:
        return normalize_email_address(value).lower()
    except ValueError:
        errors.add(key, f"“{value.strip()[:80]}” is not a valid email address.")
        return None


def resolve_user(value, key: str, errors: Errors):
    """The active user of this tenant named by `value` (an id), None for empty input."""
    from app.auth.models import User

    if value in (None, ""):
        return None
    user_id = parse_uuid(value)
    user = db.session.scalar(select(User).where(User.id == user_id)) if user_id else None
    if user is None or not user.is_active_user:
        errors.add(key, "Choose an active user of this workspace.")
        return None
    return user


def resolve_record(model, value, key: str, errors: Errors, *, label: str):
    """The record of this tenant with id `value`, None for empty input (scoped query)."""
    if value in (None, ""):
        return None
    record_id = parse_uuid(value)
    record = db.session.scalar(select(model).where(model.id == record_id)) if record_id else None
    if record is None:
        errors.add(key, f"Choose an existing {label}.")
    return record


def resolve_tags(value, errors: Errors, key: str = "tag_ids") -> list:
    from app.crm.tags.models import Tag

    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        errors.add(key, "Send a list of tag ids.")
        return []
    ids = []
    for item in value:
        tag_id = parse_uuid(item)
        if tag_id is None:
            errors.add(key, "Unknown tag.")
            return []
        if tag_id not in ids:
            ids.append(tag_id)
    if not ids:
        return []
    tags = db.session.scalars(select(Tag).where(Tag.id.in_(ids)).order_by(Tag.name)).all()
    if len(tags) != len(ids):
        errors.add(key, "Unknown tag.")
    return list(tags)


def clean_address(data: dict, errors: Errors, key: str = "address") -> dict | None:
    """{line1, line2, city, region, postal_code, country} with only the keys given changed."""
    if key not in data:
        return None
    value = data[key] or {}
    if not isinstance(value, dict):
        errors.add(key, "Send the address as an object.")
        return None
    unknown = set(value) - set(ADDRESS_FIELDS)
    if unknown:
        errors.add(key, f"Unknown address fields: {', '.join(sorted(unknown))}.")
    cleaned = {}
    for part, max_length in ADDRESS_FIELDS.items():
        if part not in value:
            continue
        text = value[part] if value[part] is not None else ""
        if not isinstance(text, str):
            errors.add(f"{key}.{part}", "Must be text.")
            continue
        text = text.strip()
        if part == "country":
            text = text.upper()
            if text and not (len(text) == 2 and text.isalpha()):
                errors.add(f"{key}.{part}", "Use a two-letter country code such as US or DE.")
                continue
        if len(text) > max_length:
            errors.add(f"{key}.{part}", f"Use at most {max_length} characters.")
            continue
        cleaned[part] = text
    return cleaned


def apply_address(record, address: dict | None) -> None:
    if not address:
        return
    for part, text in address.items():
        setattr(record, "address_" + part if part in ("line1", "line2") else part, text)


def address_of(record) -> dict:
    return {
        "line1": record.address_line1,
        "line2": record.address_line2,
        "city": record.city,
        "region": record.region,
        "postal_code": record.postal_code,
        "country": record.country,
    }


@functools.cache
def _zone_countries() -> dict[str, str]:
    zones = {}
    try:
        for line in ZONE_TABLE.read_text().splitlines():
            if line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) >= 3:
                zones[parts[2]] = parts[0]
    except OSError:
        return {}
    return zones


def default_phone_region() -> str | None:
    """The region national numbers are read in: the tenant's time zone's country, else its currency's."""
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is None:
        from app.core.context import get_current_tenant_id
        from app.tenants.models import Tenant

        tenant_id = get_current_tenant_id()
        tenant = db.session.get(Tenant, tenant_id) if tenant_id else None
    if tenant is None:
        return None
    return _zone_countries().get(tenant.timezone) or CURRENCY_REGIONS.get(tenant.currency)


def normalize_phone(value, key: str, errors: Errors, region: str | None = None) -> str | None:
    """E.164 form of `value`; national numbers are read in the tenant's region."""
    if not isinstance(value, str) or not value.strip():
        errors.add(key, "Enter a phone number.")
        return None
    text = value.strip()
    region = region if region is not None else default_phone_region()
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        hint = "" if text.startswith("+") or region else " Start with + and the country code."
        errors.add(key, f"“{text[:40]}” is not a phone number we can read.{hint}")
        return None
    if not phonenumbers.is_valid_number(parsed):
        errors.add(key, f"“{text[:40]}” is not a valid phone number.")
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_domain(value, key: str, errors: Errors) -> str | None:
    """A bare lower-case host name from "Example.com", "https://www.example.com/about"…"""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        errors.add(key, "Must be text.")
        return None
    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].removeprefix("www.").rstrip(".")
    if not DOMAIN_PATTERN.match(text):
        errors.add(key, "Enter a domain such as example.com.")
        return None
    return text


READ_ONLY_KEYS = frozenset({"id", "tenant_id", "created_by", "created_by_id", "created_at", "updated_at"})


def _contains_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(item) for item in value)
    return False


def check_known_keys(data, allowed) -> None:
    """Services take an explicit allow-list of keys: identity and ownership stamps are refused."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send an object.", details={"_schema": ["Send an object."]})
    # PostgreSQL text and JSONB cannot store NUL; refuse it here rather than fail at flush.
    with_nul = sorted({key for key, value in data.items() if _contains_nul(value)})
    if with_nul:
        raise ValidationFailed(
            "Some fields contain invalid characters.",
            details={key: ["Contains a NUL character."] for key in with_nul},
        )
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "Some fields cannot be set.",
            details={
                key: ["This field is read-only." if key in READ_ONLY_KEYS else "Unknown field."] for key in unknown
            },
        )
