"""Checks that keep a row others depend on (a form that starts a workflow, a segment a scheduled
campaign goes to). The packages that depend on it register a check that raises a Conflict
saying why; the package that owns the row runs them before deleting it, knowing none of those
packages, which sit above it."""

from collections.abc import Callable


class DeletionChecks:
    def __init__(self) -> None:
        self._checks: list[Callable] = []

    def register(self, check: Callable) -> None:
        if check not in self._checks:
            self._checks.append(check)

    def run(self, row) -> None:
        """Raise the first check's Conflict, if any refuses."""
        for check in self._checks:
            check(row)
