"""Conditions over records of any type: what segments (and later automations) filter by.

Every field, capability and contribution describes the conditions it offers as `Condition`s:
a key, a label, a kind and a `build(operator, value, context)` that returns one SQL
expression. A definition is a tree of AND/OR groups of such rules; `compile_definition`
turns it into one WHERE clause, so a segment is always answered by the database (with its
indexes), never by filtering rows in Python.

    {"match": "all", "rules": [
        {"field": "lifecycle_stage", "op": "is", "value": "customer"},
        {"match": "any", "rules": [{"field": "tag_ids", "op": "has", "value": "<tag id>"},
                                   {"field": "last_activity", "op": "not_within_days", "value": 30}]}]}
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import String, and_, false, func, not_, or_, true

from app.core.errors import ValidationFailed
from app.core.ids import parse_uuid
from app.core.numbers import TYPED_NUMBER, typed_decimal
from app.core.types import UTCDateTime, utcnow
from app.core.validation import Errors
from app.records.normalize import tenant_zone
from app.records.registry import contributions

MAX_RULES = 50
MAX_DEPTH = 3
MAX_LIST_VALUES = 100

# kind -> {operator: label}. Operators listed in NO_VALUE take no value; LIST_VALUE take a list.
OPERATORS: dict[str, dict[str, str]] = {
    "text": {
        "contains": "contains",
        "not_contains": "does not contain",
        "equals": "is",
        "not_equals": "is not",
        "starts_with": "starts with",
        "is_empty": "is empty",
        "is_not_empty": "is not empty",
    },
    "number": {
        "eq": "=",
        "ne": "≠",
        "gt": ">",
        "gte": "≥",
        "lt": "<",
        "lte": "≤",
        "is_empty": "is empty",
        "is_not_empty": "is not empty",
    },
    "date": {
        "on": "is on",
        "before": "is before",
        "after": "is after",
        "within_last_days": "is within the last … days",
        "more_than_days_ago": "is more than … days ago",
        "is_empty": "is empty",
        "is_not_empty": "is not empty",
    },
    "choice": {"is": "is", "is_not": "is not", "in": "is any of", "not_in": "is none of"},
    "boolean": {"is_true": "is yes", "is_false": "is no"},
    "reference": {"is": "is", "is_not": "is not", "is_empty": "is empty", "is_not_empty": "is not empty"},
    "user": {"is": "is", "is_not": "is not", "is_empty": "is unassigned", "is_not_empty": "is assigned"},
    "tags": {"has": "has the tag", "has_not": "does not have the tag"},
    "multi_choice": {"has": "includes", "has_not": "does not include"},
    "recency": {"within_days": "within the last … days", "not_within_days": "not in the last … days"},
}
NO_VALUE = frozenset({"is_empty", "is_not_empty", "is_true", "is_false"})
LIST_VALUE = frozenset({"in", "not_in"})
DAY_VALUE = frozenset({"within_last_days", "more_than_days_ago", "within_days", "not_within_days"})


@dataclass
class ConditionContext:
    """What building one rule knows: who asks (for "me"), the collector of messages, the
    key of the rule being built (for messages), and now."""

    actor: object | None
    errors: Errors
    key: str = ""
    now: datetime = field(default_factory=utcnow)

    def invalid(self, message: str):
        self.errors.add(self.key, message)
        return false()


@dataclass(frozen=True)
class Condition:
    """One thing a rule can test: `build(operator, value, context) -> SQL expression`."""

    key: str
    label: str
    kind: str
    build: Callable
    choices: dict | None = None
    group: str = "Fields"
    # The record type a reference points at (for pickers).
    references: str | None = None
    # A number that is an amount of money: a rule shows its value in the workspace's currency.
    money: bool = False

    @property
    def operators(self) -> dict[str, str]:
        return OPERATORS[self.kind]

    def describe(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "group": self.group,
            "operators": self.operators,
            "choices": self.choices,
            "references": self.references,
            "money": self.money,
            "no_value": sorted(op for op in self.operators if op in NO_VALUE),
        }


# ---------------------------------------------------------------------------- builders by kind


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_condition(expression, operator, value, context):
    """Case-insensitive text tests; empty means NULL or ''."""
    empty = or_(expression.is_(None), expression == "")
    if operator == "is_empty":
        return empty
    if operator == "is_not_empty":
        return not_(empty)
    if not isinstance(value, str | int | float) or isinstance(value, bool) or str(value).strip() == "":
        return context.invalid("Enter a value.")
    term = str(value).strip().lower()[:200]
    lowered = func.lower(func.coalesce(expression, ""))
    if operator == "contains":
        return lowered.like(f"%{_escape_like(term)}%", escape="\\")
    if operator == "not_contains":
        return not_(lowered.like(f"%{_escape_like(term)}%", escape="\\"))
    if operator == "starts_with":
        return lowered.like(f"{_escape_like(term)}%", escape="\\")
    if operator == "equals":
        return lowered == term
    return lowered != term


def parse_number(value, context) -> Decimal | None:
    if isinstance(value, bool):
        context.invalid("Enter a number.")
        return None
    try:
        number = typed_decimal(value)
    except InvalidOperation:
        context.invalid(TYPED_NUMBER)
        return None
    if not number.is_finite() or abs(number) > Decimal(10) ** 15:
        context.invalid(TYPED_NUMBER)
        return None
    return number


def number_condition(expression, operator, value, context):
    if operator == "is_empty":
        return expression.is_(None)
    if operator == "is_not_empty":
        return expression.is_not(None)
    number = parse_number(value, context)
    if number is None:
        return false()
    compare = {
        "eq": expression.__eq__,
        "ne": expression.__ne__,
        "gt": expression.__gt__,
        "gte": expression.__ge__,
        "lt": expression.__lt__,
        "lte": expression.__le__,
    }[operator]
    return compare(number)


def parse_days(value, context) -> int | None:
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        context.invalid("Enter a whole number of days.")
        return None
    if not 0 <= days <= 36_500:
        context.invalid("Use 0 to 36,500 days.")
        return None
    return days


FIRST_DAY, LAST_DAY = date.min + timedelta(days=1), date.max - timedelta(days=1)


def date_condition(expression, operator, value, context, *, moments: bool, as_text: bool = False):
    """Dates, or moments read by day in the workspace's time zone (`moments`), or ISO dates
    kept as text (`as_text`: a custom field's JSON value)."""
    if operator == "is_empty":
        return expression.is_(None)
    if operator == "is_not_empty":
        return expression.is_not(None)
    today = context.now.astimezone(tenant_zone()).date()
    if operator in DAY_VALUE:
        days = parse_days(value, context)
        if days is None:
            return false()
        boundary = today - timedelta(days=days)
        start = _bound(boundary, moments, as_text)
        return expression >= start if operator == "within_last_days" else expression < start
    try:
        day = date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return context.invalid("Use a date like 2026-01-31.")
    # A day at either end of the calendar has no day after it, or no moment before it in UTC.
    if not FIRST_DAY <= day <= LAST_DAY:
        return context.invalid(f"Use a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}.")
    start, end = _bound(day, moments, as_text), _bound(day + timedelta(days=1), moments, as_text)
    if operator == "on":
        return and_(expression >= start, expression < end)
    return expression < start if operator == "before" else expression >= end


def _bound(day: date, moments: bool, as_text: bool = False):
    if as_text:
        return day.isoformat()
    return datetime.combine(day, time.min, tzinfo=tenant_zone()) if moments else day


def choice_condition(expression, operator, value, context, choices: dict | None):
    values = value if isinstance(value, list) else [value]
    # "" is a value only where it is one of the choices (a task's "Does not repeat").
    blank_allowed = choices is not None and "" in choices
    values = [str(item) for item in values if item is not None and (item != "" or blank_allowed)][:MAX_LIST_VALUES]
    if not values:
        return context.invalid("Choose a value.")
    if operator not in LIST_VALUE and len(values) != 1:
        return context.invalid("Choose one value.")
    if choices is not None:
        unknown = [item for item in values if item not in choices]
        if unknown:
            return context.invalid(f"Choose one of: {', '.join(choices)}.")
    if operator in ("is", "in"):
        return expression.in_(values)
    return or_(expression.not_in(values), expression.is_(None))


def boolean_condition(expression, operator, value, context):
    return expression.is_(True) if operator == "is_true" else or_(expression.is_(False), expression.is_(None))


def id_condition(expression, operator, value, context, *, me=None):
    """References and users by id; `me` (a user id) answers the value "me"."""
    if operator == "is_empty":
        return expression.is_(None)
    if operator == "is_not_empty":
        return expression.is_not(None)
    if value == "me" and me is not None:
        wanted = me
    else:
        wanted = parse_uuid(value)
    if wanted is None:
        return context.invalid("Choose a record." if me is None else "Choose a user.")
    return expression == wanted if operator == "is" else or_(expression != wanted, expression.is_(None))


def column_condition(
    key: str, label: str, kind: str, expression, *, choices=None, group="Fields", references=None, money=False
):
    """A Condition over one SQL expression of the record's own row."""

    def build(operator, value, context):
        if kind == "text":
            return text_condition(expression, operator, value, context)
        if kind == "number":
            return number_condition(expression, operator, value, context)
        if kind == "date":
            as_text = isinstance(getattr(expression, "type", None), String)
            return date_condition(expression, operator, value, context, moments=_is_moment(expression), as_text=as_text)
        if kind == "choice":
            return choice_condition(expression, operator, value, context, choices)
        if kind == "boolean":
            return boolean_condition(expression, operator, value, context)
        if kind in ("reference", "user"):
            actor_id = getattr(getattr(context.actor, "user", context.actor), "id", None)
            return id_condition(expression, operator, value, context, me=actor_id if kind == "user" else None)
        raise ValueError(f"no column builder for kind {kind!r}")

    return Condition(key, label, kind, build, choices=choices, group=group, references=references, money=money)


def _is_moment(expression) -> bool:
    return isinstance(getattr(expression, "type", None), UTCDateTime)


# ---------------------------------------------------------------------------- the catalogue


STAMPS = (("created_at", "Created"), ("updated_at", "Updated"))


def conditions_of(record_type) -> dict[str, Condition]:
    """Every condition of the type: fields, capabilities, contributions (deal facts on a
    contact, say), then the stamps every record has."""
    found: list[Condition] = []
    for item in record_type.fields:
        found.extend(item.conditions(record_type.model))
    for capability in record_type.capabilities:
        found.extend(capability.conditions(record_type))
    found.extend(contributions(record_type.name, "condition"))
    for name, label in STAMPS:
        found.append(column_condition(name, label, "date", getattr(record_type.model, name), group="Record"))
    conditions: dict[str, Condition] = {}
    for item in found:
        conditions.setdefault(item.key, item)
    return conditions


def describe_conditions(record_type) -> list[dict]:
    return [item.describe() for item in conditions_of(record_type).values()]


# ---------------------------------------------------------------------------- definitions


def empty_definition() -> dict:
    return {"match": "all", "rules": []}


def compile_definition(record_type, definition, *, actor=None, now: datetime | None = None):
    """One SQL expression for a whole definition, or ValidationFailed naming each bad rule
    (`rules.2.value`, `rules.1.rules.0.op`). An empty definition matches every record."""
    errors = Errors()
    context = ConditionContext(actor=actor, errors=errors, now=now or utcnow())
    catalogue = conditions_of(record_type)
    counter = [0]
    expression = _compile_group(catalogue, definition, context, "", 1, counter)
    errors.raise_if_any("Check the conditions.")
    return expression


def _compile_group(catalogue, group, context, prefix: str, depth: int, counter: list):
    if not isinstance(group, dict) or set(group) - {"match", "rules"}:
        context.errors.add(prefix + "match" if prefix else "definition", "Send a group: {match, rules}.")
        return false()
    match = group.get("match", "all")
    if match not in ("all", "any"):
        context.errors.add(prefix + "match", "Match all or any.")
        return false()
    rules = group.get("rules") or []
    if not isinstance(rules, list):
        context.errors.add(prefix + "rules", "Send a list of rules.")
        return false()
    parts = []
    for index, rule in enumerate(rules):
        key = f"{prefix}rules.{index}."
        counter[0] += 1
        if counter[0] > MAX_RULES:
            context.errors.add(f"{prefix}rules", f"Use at most {MAX_RULES} rules.")
            return false()
        if isinstance(rule, dict) and "rules" in rule:
            if depth >= MAX_DEPTH:
                context.errors.add(key + "rules", f"Nest groups at most {MAX_DEPTH} deep.")
                continue
            parts.append(_compile_group(catalogue, rule, context, key, depth + 1, counter))
        else:
            parts.append(_compile_rule(catalogue, rule, context, key))
    if not parts:
        return true()
    return and_(*parts) if match == "all" else or_(*parts)


def _compile_rule(catalogue, rule, context, key: str):
    if not isinstance(rule, dict) or set(rule) - {"field", "op", "value"}:
        context.errors.add(key + "field", "Send a rule: {field, op, value}.")
        return false()
    condition = catalogue.get(rule.get("field")) if isinstance(rule.get("field"), str) else None
    if condition is None:
        context.errors.add(key + "field", "Choose a field.")
        return false()
    operator = rule.get("op")
    if operator not in condition.operators:
        context.errors.add(key + "op", f"Choose one of: {', '.join(condition.operators)}.")
        return false()
    value = rule.get("value")
    if operator in LIST_VALUE and not isinstance(value, list):
        value = [part.strip() for part in str(value or "").split(",") if part.strip()]
    if isinstance(value, dict) or (isinstance(value, list) and operator not in LIST_VALUE):
        context.errors.add(key + "value", "Send one value.")
        return false()
    if isinstance(value, str) and "\x00" in value:
        context.errors.add(key + "value", "Contains a NUL character.")
        return false()
    context.key = key + "value"
    return condition.build(operator, value, context)


def check_definition(record_type, definition, *, actor=None) -> dict:
    """The definition as stored, checked by compiling it for `actor` (who "me" is)."""
    if definition in (None, ""):
        definition = empty_definition()
    if not isinstance(definition, dict):
        raise ValidationFailed("Check the conditions.", details={"definition": ["Send a group: {match, rules}."]})
    compile_definition(record_type, definition, actor=actor)
    return definition
