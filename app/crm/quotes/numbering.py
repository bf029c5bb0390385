"""Document numbers from a per-workspace pattern (`Q-{year}-{seq:04d}` → Q-2026-0001), gap-free.

The sequence row is incremented with an UPDATE, which holds its row lock until the
transaction ends: a second sender waits, then reads the incremented value; a sender that
rolls back releases its number for the next one. So numbers are neither skipped nor repeated.
"""

import string
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import uuid7
from app.crm.quotes.models import DocumentSequence

ALLOWED_FIELDS = {"year", "seq"}
MAX_NUMBER_LENGTH = 40


def pattern_problems(pattern: str) -> list[str]:
    """What is wrong with a number pattern (empty list: it is usable)."""
    if not pattern or not pattern.strip():
        return ["Enter a pattern such as Q-{year}-{seq:04d}."]
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return ["Braces must come in pairs: {year} and {seq:04d}."]
    names = [name for _, name, _, _ in parts if name is not None]
    # Only the two plain names, no attribute or index access, no conversions.
    if any(name not in ALLOWED_FIELDS for name in names) or any(conv for _, name, _, conv in parts if name):
        return ["Use only {year} and {seq} (with a width such as {seq:04d})."]
    if "seq" not in names:
        return ["The pattern needs {seq}, the running number."]
    try:
        sample = format_number(pattern, 2026, 1)
    except (ValueError, TypeError):
        return ["Use a width such as {seq:04d} for the running number."]
    if len(sample) > MAX_NUMBER_LENGTH - 4:
        return [f"Numbers would be too long (at most {MAX_NUMBER_LENGTH - 4} characters)."]
    return []


def format_number(pattern: str, year: int, sequence: int) -> str:
    return pattern.format(year=year, seq=sequence)


def period_of(pattern: str, today: date) -> str:
    """Patterns with {year} restart at 1 each year; others count for ever."""
    return str(today.year) if "{year" in pattern else "all"


def next_number(kind: str, pattern: str, today: date) -> str:
    """Take the next number of `kind` for this workspace (in the caller's transaction)."""
    tenant_id = require_tenant_id()
    period = period_of(pattern, today)
    value = _take(tenant_id, kind, period)
    if value is None:
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(DocumentSequence).values(
                        tenant_id=tenant_id, id=uuid7(), kind=kind, period=period, next_value=1
                    )
                )
        except IntegrityError:
            pass  # another transaction made the row first; the update below waits for it
        value = _take(tenant_id, kind, period)
    return format_number(pattern, today.year, value)


def _take(tenant_id, kind: str, period: str) -> int | None:
    taken = db.session.execute(
        update(DocumentSequence)
        .where(
            DocumentSequence.tenant_id == tenant_id,
            DocumentSequence.kind == kind,
            DocumentSequence.period == period,
        )
        .values(next_value=DocumentSequence.next_value + 1)
        .returning(DocumentSequence.next_value)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return None if taken is None else taken - 1


def peek_number(kind: str, pattern: str, today: date) -> str:
    """The number the next document would get (for the settings page)."""
    period = period_of(pattern, today)
    current = db.session.scalar(
        select(DocumentSequence.next_value).where(DocumentSequence.kind == kind, DocumentSequence.period == period)
    )
    return format_number(pattern, today.year, current or 1)
