"""Input cleaning that messaging's services share, in the manner of `app.core.validation`."""

from app.core.validation import Errors


def clean_whole_number(data: dict, key: str, errors: Errors, *, low: int, high: int, message: str) -> int | None:
    """data[key] as a whole number from `low` to `high` (digits in a string count, true and false
    do not); None, with `message` added to `errors` under `key`, when it is anything else."""
    value = data[key]
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if isinstance(value, bool) or not low <= number <= high:
        errors.add(key, message)
        return None
    return number
