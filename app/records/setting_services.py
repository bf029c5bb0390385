"""What the services of a workspace's setting rows (tags, web forms, webhook subscriptions,
workflows) share: reading true-or-false settings, adding a row and applying an update with
their audit rows."""

from app.auth.permissions import acting_user
from app.core.audit import record_audit
from app.core.extensions import db
from app.core.validation import Errors


def clean_flags(data: dict, keys: tuple[str, ...], errors: Errors) -> dict[str, bool]:
    """{key: value} of the true-or-false settings among `keys` that `data` sends."""
    flags = {}
    for key in keys:
        if key in data:
            if not isinstance(data[key], bool):
                errors.add(key, "Must be true or false.")
            flags[key] = bool(data[key])
    return flags


def apply_changes(row, cleaned: dict) -> dict[str, dict]:
    """Set the cleaned values on `row`; {name: {"old": …, "new": …}} of those that changed,
    read before they are set, for the audit row."""
    changes = {
        key: {"old": getattr(row, key), "new": value} for key, value in cleaned.items() if getattr(row, key) != value
    }
    for key, value in cleaned.items():
        setattr(row, key, value)
    return changes


def creator_id(actor):
    """The id of the user a new row is `created_by` (None for an actor that is no user)."""
    return getattr(acting_user(actor), "id", None)


def add_audited(row, action: str, *, actor) -> None:
    """Insert `row` (flushed, so it has its id) and audit `action` on it, labelled by its name."""
    db.session.add(row)
    db.session.flush()
    record_audit(action, actor=actor, target=row, target_label=row.name)
