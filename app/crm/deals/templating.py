"""Template helpers of the deal pages: amounts in a currency, rotting markers, durations."""

from app.core.currencies import format_amount
from app.crm.deals.record import is_rotting
from app.crm.deals.services.pipelines import list_reasons, stage_label


def duration(seconds: int) -> str:
    """A stay in a stage as people say it: "3d 4h", "5h 10m", "30d" (not "30d 0h"), "under a minute"."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return _two_units(seconds // 3600, "h", (seconds % 3600) // 60, "m")
    return _two_units(seconds // 86400, "d", (seconds % 86400) // 3600, "h")


def _two_units(whole: int, unit: str, rest: int, rest_unit: str) -> str:
    return f"{whole}{unit} {rest}{rest_unit}" if rest else f"{whole}{unit}"


def install_deal_templating(app) -> None:

    # Named for deals: the quotes package has an `amount` filter of its own.
    app.jinja_env.filters["deal_amount"] = format_amount
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals.update(
        deal_is_rotting=is_rotting, deal_stage_label=stage_label, deal_close_reasons=list_reasons
    )
