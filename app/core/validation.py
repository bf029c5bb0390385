"""Input checks shared by forms and schemas."""

import re
from collections.abc import Mapping
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import StopValidation, ValidationError

from app.core.errors import ValidationFailed


def normalize_email_address(value: str) -> str:
    """Return the normalized address or raise ValueError with a readable message.

    No DNS look-ups (deliverability) and `.test` addresses allowed: demo data uses them.
    """
    normalized, problem = _checked_address((value or "").strip())
    if problem:
        raise ValueError(problem)
    return normalized


@lru_cache(maxsize=8192)
def _checked_address(value: str) -> tuple[str, str]:
    # Cached: an import's batch reads each address several times (its match, the validator,
    # the batch's owners), and the check itself is a tenth of a millisecond.
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized, ""
    except EmailNotValidError as exc:
        return "", str(exc)


class EmailAddress:
    """WTForms validator built on normalize_email_address()."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            normalize_email_address(field.data)
        except ValueError as exc:
            raise ValidationError(self.message or "Enter a valid email address.") from exc


HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class HexColour:
    """WTForms validator: a colour as #rrggbb, or one plain message (not WTForms' "Field must
    be exactly 7 characters long."). It also bounds the length, so no Length is needed."""

    def __init__(self, example: str = "#3b82f6"):
        self.message = f"Pick a colour such as {example}."

    def __call__(self, form, field) -> None:
        if not HEX_COLOUR.match((field.data or "").strip()):
            raise StopValidation(self.message)


# A refusal's summary on a form page, whose inputs show each field's message (the API says it
# in its own words: a client has nothing highlighted).
CORRECT_THE_FIELDS = "Please correct the highlighted fields."


class Errors:
    """Collects field messages; `raise_if_any()` turns them into one ValidationFailed.

    Keys are field names; nested ones are dotted (`custom_fields.tier`, `address.city`).
    """

    def __init__(self):
        self.details: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.details.setdefault(field, []).append(message)

    def has(self, field: str) -> bool:
        return field in self.details

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self, message: str = CORRECT_THE_FIELDS) -> None:
        if self.details:
            raise ValidationFailed(message, details=self.details)


READ_ONLY_KEYS = frozenset({"id", "tenant_id", "created_by", "created_by_id", "created_at", "updated_at"})


def contains_nul(value) -> bool:
    """PostgreSQL text and JSONB cannot hold NUL characters, anywhere in a nested value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


def keys_with_nul(data: Mapping) -> list[str]:
    """The keys of `data` (sorted, as text) whose key or value holds a NUL character anywhere."""
    return sorted({str(key) for key, value in data.items() if contains_nul(key) or contains_nul(value)})


def check_known_keys(data, allowed, *, read_only=READ_ONLY_KEYS) -> None:
    """Services take an explicit allow-list of keys: identity and ownership stamps are refused.

    A refused key in `read_only` is told it is read-only, any other that it is unknown."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send an object.", details={"_schema": ["Send an object."]})
    with_nul = keys_with_nul(data)
    if with_nul:
        raise ValidationFailed(
            "Some fields contain invalid characters.",
            details={key: ["Contains a NUL character."] for key in with_nul},
        )
    unknown = sorted(str(key) for key in set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "Some fields cannot be set.",
            details={key: ["This field is read-only." if key in read_only else "Unknown field."] for key in unknown},
        )


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
    """data[key] if it is one of `choices` (None when absent)."""
    if key not in data:
        return None
    value = data[key] if data[key] is not None else ""
    if value not in choices:
        errors.add(key, f"Choose a valid {label}.")
        return None
    return value
