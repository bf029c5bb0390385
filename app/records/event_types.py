"""The catalogue of domain event names that webhooks and automations listen to: every record
type's created/updated/deleted, and the names other domains declare for their own events."""

import fnmatch

from app.records.registry import record_types

RECORD_VERBS = ("created", "updated", "deleted")
# name -> label; domains add theirs with `register_event_type` (deal.stage_changed, …).
_EXTRA: dict[str, str] = {
    "lead.converted": "Lead converted",
    "activity.logged": "Activity logged",
    "form.submitted": "Form submitted",
}
# name -> the record type an event is about, when its name does not say (email.opened: a contact).
_ABOUT: dict[str, str] = {}


def register_event_type(name: str, label: str, *, about: str | None = None) -> None:
    _EXTRA.setdefault(name, label)
    if about:
        _ABOUT[name] = about


def event_subject(name: str) -> str:
    """The record type an event is about: declared, or the first part of its name."""
    return _ABOUT.get(name) or name.split(".", 1)[0]


def event_types() -> dict[str, str]:
    names = {}
    for record_type in record_types():
        for verb in RECORD_VERBS:
            names[f"{record_type.name}.{verb}"] = f"{record_type.label} {verb}"
    names.update(_EXTRA)
    return dict(sorted(names.items()))


def check_event_patterns(patterns) -> tuple[list[str], list[str]]:
    """(clean patterns, error messages): each must name a known event, `type.*` or `*`."""
    known = event_types()
    cleaned, errors = [], []
    if isinstance(patterns, str):
        patterns = [part.strip() for part in patterns.split(",")]
    if not isinstance(patterns, list | tuple):
        return [], ["Send a list of event names."]
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            continue
        pattern = pattern.strip()
        if len(pattern) > 64 or not any(fnmatch.fnmatchcase(name, pattern) for name in known):
            errors.append(f"Unknown event {pattern[:64]}.")
        elif pattern not in cleaned:
            cleaned.append(pattern)
    if not cleaned and not errors:
        errors.append("Choose at least one event.")
    return cleaned, errors


def matches(patterns, name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns or ())
