"""Mixins that show a row's `status` with the labels (and badge colours) its status class declares."""

from typing import ClassVar


class StatusLabel:
    """`status_label` from `statuses.LABELS`; a status the class does not know shows as itself."""

    # The class that lists the model's status values and their LABELS (RunStatus, …).
    statuses: ClassVar[type]

    @property
    def status_label(self) -> str:
        return self.statuses.LABELS.get(self.status, self.status)


class StatusBadge(StatusLabel):
    """Adds `status_color`, the Bootstrap colour of the status badge, from `statuses.COLORS`."""

    @property
    def status_color(self) -> str:
        return self.statuses.COLORS.get(self.status, "secondary")
