"""The "Change status" bulk action of a record type with a `status` field."""

from collections.abc import Callable

from app.core.errors import ValidationFailed
from app.records.capabilities import BulkAction
from app.records.services import update_record


def change_status_action(choices: Callable, *, refusal: str = "Choose a status.", kept=()) -> BulkAction:
    """`choices()` are the (status, label) pairs a person may pick for the selected records;
    `refusal` tells them which when they sent none of those. A record already in the chosen
    status, or in one of the `kept` statuses (a converted lead), stays as it is."""

    def set_status(record_type, records, params, actor) -> int:
        status = params.get("status")
        if status not in [key for key, _label in choices()]:
            raise ValidationFailed("Choose a status.", details={"status": [refusal]})
        changing = [record for record in records if record.status not in (status, *kept)]
        for record in changing:
            update_record(record_type, record, {"status": status}, actor=actor)
        return len(changing)

    return BulkAction(
        "set_status",
        "Change status",
        "edit",
        set_status,
        "Status changed on {n} {label}.",
        param="status",
        choices=choices,
    )
