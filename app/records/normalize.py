"""What people type, made uniform: phone numbers, domains, yes/no; the tenant's zone and region."""

import functools
import re
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import phonenumbers
from flask import g, has_request_context

from app.core.context import get_current_tenant_id
from app.core.extensions import db
from app.core.types import utcnow
from app.tenants.models import Tenant

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ZONE_TABLE = Path("/usr/share/zoneinfo/zone.tab")
TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "n", ""})
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


class Invalid(Exception):
    """A value a field refuses, with the message (or messages) people see."""

    def __init__(self, message: str | list[str]):
        self.messages = [message] if isinstance(message, str) else list(message)
        self.message = " ".join(self.messages)
        super().__init__(self.message)


def current_tenant() -> Tenant | None:
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is None:
        tenant_id = get_current_tenant_id()
        tenant = db.session.get(Tenant, tenant_id) if tenant_id else None
    return tenant


def workspace_currency() -> str:
    """The workspace's currency: what an amount with no currency of its own is in."""
    # Asked from before_save hooks, with the record still pending: reading the tenant must not
    # flush it half-filled.
    with db.session.no_autoflush:
        tenant = current_tenant()
    return (tenant.currency if tenant is not None else "") or "USD"


def tenant_zone() -> ZoneInfo:
    tenant = current_tenant()
    return ZoneInfo(tenant.timezone) if tenant is not None else ZoneInfo("UTC")


def workspace_today(now: datetime | None = None) -> date:
    """The day it is on the workspace's clock (a form's "today" in Auckland is not UTC's)."""
    return (now or utcnow()).astimezone(tenant_zone()).date()


def aware_moment(value) -> datetime:
    """A datetime, or ISO 8601 text (`Z` for UTC), as an aware moment: one without an offset is
    wall-clock time in the workspace's zone, as a form's datetime-local sends it. ValueError for
    text that is not a moment; each caller words that refusal for its own input."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=tenant_zone())


OUTSIDE_CALENDAR = "Use a date between the years 1 and 9999."


def has_utc_time(moment: datetime) -> bool:
    """Whether an aware moment has a time in UTC, as it is stored: year 1 east of UTC and year
    9999 west of it do not (storing one would fail; it is refused as input instead)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


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
    tenant = current_tenant()
    if tenant is None:
        return None
    return _zone_countries().get(tenant.timezone) or CURRENCY_REGIONS.get(tenant.currency)


@functools.lru_cache(maxsize=4096)
def display_phone(number: str | None) -> str:
    """A stored E.164 number as people write it ("+1 415-555-1024"); what cannot be read stays as it is."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@functools.cache
def region_name(region: str) -> str:
    """ "United States" for "US": said when a national number does not fit the region."""
    from phonenumbers import geocoder  # noqa: PLC0415 - its place names take half a second to load

    return geocoder.country_name_for_number(phonenumbers.example_number(region), "en") or region


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 form of `value`; raises Invalid with a readable message."""
    text = value.strip()
    workspace_region = region is None
    region = region if region is not None else default_phone_region()
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException as exc:
        hint = "" if text.startswith("+") or region else " Start with + and the country code."
        raise Invalid(f"“{text[:40]}” is not a phone number we can read.{hint}") from exc
    if not phonenumbers.is_valid_number(parsed):
        if region and not text.startswith("+"):
            # Read as a number of the workspace's country, which may not be the person's.
            where = ", or set the workspace's time zone under Settings → Agency" if workspace_region else ""
            raise Invalid(
                f"“{text[:40]}” is not a valid {region_name(region)} phone number."
                f" Start with + and the country code{where}."
            )
        raise Invalid(f"“{text[:40]}” is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_domain(value: str) -> str:
    """A bare lower-case host name from "Example.com", "https://www.example.com/about"…"""
    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].removeprefix("www.").rstrip(".")
    if not DOMAIN_PATTERN.match(text):
        raise Invalid("Enter a domain such as example.com.")
    return text


def parse_bool(value) -> bool | None:
    """True/False from a boolean or the usual words; None when it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    return None
