"""Conditions of a workflow (and of its if/else steps): AND/OR groups of rules over a record's
fields, named as the kit's field catalogue names them.

    {"match": "all", "rules": [{"field": "source", "op": "equals", "value": "web"}],
     "groups": [{"match": "any", "rules": [...]}]}

A record's values are read through the kit (`serialize`, the API's view of it), so a custom
field is `custom_fields.<key>`, tags are `tags` (their names) and the owner is `owner_id`.
"""

from decimal import Decimal, InvalidOperation

from app.core.types import json_safe
from app.core.validation import Errors
from app.records.catalogue import field_catalogue
from app.records.schemas import serialize

OPERATORS = {
    "equals": "is",
    "not_equals": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
    "greater_than": "is greater than",
    "less_than": "is less than",
}
UNARY = ("is_empty", "is_not_empty")
MATCHES = ("all", "any")
MAX_RULES = 20
MAX_GROUPS = 5


def record_values(record_type, record) -> dict:
    """{catalogue name: JSON value} of a record; tags as their names."""
    body = json_safe(serialize(record_type, record))
    if "tags" in body:
        body["tags"] = [tag.get("name") for tag in body["tags"] or []]
        body["tag_ids"] = body["tags"]
    for key, value in (body.pop("custom_fields", None) or {}).items():
        body[f"custom_fields.{key}"] = value
    owner = body.get("owner")
    if isinstance(owner, dict):
        body["owner_id"] = owner.get("id")
    return body


def condition_fields(record_type) -> dict[str, str]:
    """{name: label} of the fields a condition may test (the catalogue's, for this tenant)."""
    return {entry["name"]: entry["label"] for entry in field_catalogue(record_type)}


def _as_number(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).strip().lower()


def rule_passes(rule: dict, values: dict) -> bool:
    actual = values.get(rule.get("field"))
    op = rule.get("op")
    expected = rule.get("value")
    if op == "is_empty":
        return actual in (None, "", [], {})
    if op == "is_not_empty":
        return actual not in (None, "", [], {})
    if isinstance(actual, list):
        items = [_text(item) for item in actual]
        if op in ("contains", "equals"):
            return _text(expected) in items
        if op in ("not_contains", "not_equals"):
            return _text(expected) not in items
        return False
    if op == "equals":
        return _text(actual) == _text(expected)
    if op == "not_equals":
        return _text(actual) != _text(expected)
    if op == "contains":
        return _text(expected) in _text(actual)
    if op == "not_contains":
        return _text(expected) not in _text(actual)
    if op in ("greater_than", "less_than"):
        left, right = _as_number(actual), _as_number(expected)
        if left is None or right is None:
            return False
        return left > right if op == "greater_than" else left < right
    return False


def conditions_pass(conditions: dict | None, values: dict) -> bool:
    """An empty condition set passes."""
    if not conditions:
        return True
    outcomes = [rule_passes(rule, values) for rule in conditions.get("rules") or []]
    outcomes += [conditions_pass(group, values) for group in conditions.get("groups") or []]
    if not outcomes:
        return True
    return all(outcomes) if conditions.get("match", "all") == "all" else any(outcomes)


def condition_value_labels(record_type) -> dict[str, dict]:
    """{field name: {stored value: label}} of the fields that store a key of a fixed list (a
    lead's source "paid_ads" reads "Paid ads")."""
    return {
        entry["name"]: entry["choices"]
        for entry in field_catalogue(record_type)
        if isinstance(entry.get("choices"), dict)
    }


def describe(conditions: dict | None, labels: dict | None = None, value_labels: dict | None = None) -> str:
    if not conditions:
        return "always"
    labels = labels or {}
    value_labels = value_labels or {}
    parts = []
    for rule in conditions.get("rules") or []:
        field = labels.get(rule.get("field"), rule.get("field"))
        text = f"{field} {OPERATORS.get(rule.get('op'), rule.get('op'))}"
        if rule.get("op") not in UNARY:
            value = rule.get("value", "")
            if isinstance(value, str):
                value = value_labels.get(rule.get("field"), {}).get(value, value)
            text += f" “{value}”"
        parts.append(text)
    parts += [f"({describe(group, labels, value_labels)})" for group in conditions.get("groups") or []]
    joiner = " and " if conditions.get("match", "all") == "all" else " or "
    return joiner.join(parts) or "always"


def check_conditions(data, fields: dict, errors: Errors, key: str = "conditions", depth: int = 0) -> dict:
    """Clean a condition set sent by a form or the API; problems go to `errors[key]`."""
    if data in (None, "", {}):
        return {}
    if not isinstance(data, dict):
        errors.add(key, "Send conditions as an object.")
        return {}
    match = data.get("match", "all")
    if not isinstance(match, str) or match not in MATCHES:
        errors.add(key, "Match all or any of the rules.")
    rules = []
    rules_in = data.get("rules") or []
    if not isinstance(rules_in, list):
        errors.add(key, "Send the rules as a list.")
        rules_in = []
    for rule in rules_in:
        if not isinstance(rule, dict):
            errors.add(key, "Each rule is an object with field, op and value.")
            continue
        field, op, value = rule.get("field"), rule.get("op"), rule.get("value", "")
        if not isinstance(field, str) or not isinstance(op, str):
            errors.add(key, "A rule's field and operator are names.")
        elif field not in fields:
            errors.add(key, f"Unknown field {str(field)[:60]}.")
        elif op not in OPERATORS:
            errors.add(key, f"Unknown operator {str(op)[:30]}.")
        elif not isinstance(value, str | int | float | bool | None) or len(str(value)) > 500:
            errors.add(key, "A rule's value is text of at most 500 characters.")
        else:
            rules.append({"field": field, "op": op, "value": "" if op in UNARY or value is None else str(value)})
    groups = data.get("groups") or []
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS or (groups and depth > 0):
        errors.add(key, f"Use at most {MAX_GROUPS} groups, one level deep.")
        groups = []
    cleaned_groups = [check_conditions(group, fields, errors, key, depth + 1) for group in groups]
    if len(rules) + sum(len(group.get("rules", [])) for group in cleaned_groups) > MAX_RULES:
        errors.add(key, f"Use at most {MAX_RULES} rules.")
    cleaned = {"match": match if isinstance(match, str) and match in MATCHES else "all", "rules": rules}
    if cleaned_groups:
        cleaned["groups"] = [group for group in cleaned_groups if group]
    return cleaned
