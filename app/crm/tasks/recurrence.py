"""When a repeating task comes back, and what moment a day and a wall-clock time are.

Days are counted from the series' first day (its anchor), never from the previous
occurrence, so a monthly task on the 31st is due on the 30th in April and on the 31st again
in May. Times are wall-clock times in the tenant's zone: a daily 09:00 task stays at 09:00
across a daylight-saving change (its UTC moment moves by an hour).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from app.crm.tasks.models import Recurrence


def occurrence_day(anchor: date, rule: str, interval: int, number: int) -> date:
    """The day of occurrence `number` (0 is the anchor) of a series."""
    steps = interval * number
    if rule == Recurrence.DAILY:
        return anchor + timedelta(days=steps)
    if rule == Recurrence.WEEKLY:
        return anchor + timedelta(weeks=steps)
    if rule == Recurrence.MONTHLY:
        return anchor + relativedelta(months=steps)
    if rule == Recurrence.YEARLY:
        return anchor + relativedelta(years=steps)
    raise ValueError(f"not a repeating rule: {rule!r}")


def next_occurrence(anchor: date, rule: str, interval: int, number: int, *, until: date | None) -> date | None:
    """The day of occurrence `number + 1`, or None once the series has ended."""
    day = occurrence_day(anchor, rule, interval, number + 1)
    return None if until is not None and day > until else day


def moment(day: date | None, clock: time | None, zone: ZoneInfo) -> datetime | None:
    """The UTC-comparable moment of a day and wall-clock time in `zone` (an all-day task:
    the start of its day). A time skipped by a daylight-saving jump reads as the same
    wall-clock time with the earlier offset (02:30 on a spring-forward night is 03:30)."""
    if day is None:
        return None
    return datetime.combine(day, clock or time.min, tzinfo=zone)
