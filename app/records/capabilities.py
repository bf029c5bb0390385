"""Shared capabilities a record type declares (tags, custom fields, timeline, files, owner…).

A capability attaches to any type by being listed in its declaration. It contributes input
keys to the validator, output to the API, filters, list columns, detail tabs and panels,
form sections, bulk actions and catalogue entries — each through the hooks below, so adding
a record type never edits a capability's package.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.extensions import db
from app.core.request_cache import per_request
from app.core.validation import Errors
from app.records.cells import CellColumn
from app.records.loading import Read


def catalogue_entry(
    name: str,
    label: str,
    kind: str,
    *,
    required: bool = False,
    read_only: bool = False,
    filterable: bool = False,
    sortable: bool = False,
    searchable: bool = False,
    exported: bool = True,
    choices: dict | None = None,
    **extra,
) -> dict:
    """One field of the field catalogue, in the shape every consumer reads."""
    return {
        "name": name,
        "label": label,
        "type": kind,
        "required": required,
        "read_only": read_only,
        "filterable": filterable,
        "sortable": sortable,
        "searchable": searchable,
        "exported": exported,
        "choices": choices,
        **extra,
    }


@dataclass
class Context:
    """What validating one submission knows: the type, the record (None when creating),
    the raw data, who acts, and the collector of messages."""

    record_type: object
    record: object | None
    data: dict
    actor: object | None
    errors: Errors = field(default_factory=Errors)
    # Shared by the submissions validated together (an import's batch): what one check reads
    # from the database once for all of them (`remember`).
    shared: dict = field(default_factory=dict)

    @property
    def creating(self) -> bool:
        return self.record is None

    def remember(self, key, load: Callable):
        """`load()` once per batch of submissions, then its value again."""
        if key not in self.shared:
            self.shared[key] = load()
        return self.shared[key]

    def add_nested(self, name: str, problems: list[tuple[str, str]]) -> None:
        for part, message in problems:
            self.errors.add(f"{name}.{part}", message)


@dataclass(frozen=True)
class Tab:
    """A tab of the detail page: `loader(record_type, record)` returns the template's values."""

    key: str
    label: str
    template: str
    loader: Callable
    icon: str = "circle"
    order: int = 100
    permission: str | None = None  # beside `<type>.view`, e.g. "activities.view"


@dataclass(frozen=True)
class Panel:
    """A block of the detail page: in the side column, or in the main one above the tabs.
    `loader(record_type, record)` returns the template's values."""

    key: str
    template: str
    loader: Callable
    order: int = 100
    column: str = "side"


@dataclass(frozen=True)
class FormSection:
    """Inputs a capability adds to the create/edit form (rendered after the type's fields)."""

    key: str
    template: str
    loader: Callable  # loader(record_type, record, submitted form or None, error details) -> dict
    order: int = 100


@dataclass(frozen=True)
class BulkAction:
    """An action on the selected rows of a list: `run(record_type, records, params, actor) -> count`."""

    key: str
    label: str
    action: str  # the permission action it needs: "edit" or "delete"
    run: Callable
    done: str  # "{n} contacts reassigned." — formatted with n and the plural label
    param: str | None = None  # the name of the one extra input it takes (owner_id, tag_id)
    choices: Callable | None = None  # choices() -> [(value, label)] for that input
    # when_none() -> (what is missing, link text, url or None): said instead of an empty list
    # ("No tags yet — create some"), since the action cannot run with nothing to choose.
    when_none: Callable | None = None


@dataclass(frozen=True)
class FilterInput:
    """One input of a list's filter bar: a select, or a text, date or number box."""

    name: str
    label: str
    kind: str = "select"
    options: list | None = None


@dataclass(frozen=True)
class ListRead:
    """Rows a list page needs beside its records (the tags of the filter bar, the workspace's
    users): `read` runs with the page's other list reads in one statement, and
    `per_request(key, …)` then finds `shape(rows)` without a statement of its own."""

    key: str
    read: Read
    shape: Callable = list

    def rows(self):
        """The shaped rows, once per request: read together by a list page, else read now."""
        return per_request(self.key, lambda: self.shape(db.session.scalars(self.read.statement())))


@dataclass(frozen=True)
class Column:
    """A list column: `cell` is "field" (a declared field), "owner", "custom" (the custom
    field `data`), or a template rendered with `column`, `record` and `record_type` (`data`
    carries what that template needs)."""

    key: str
    label: str
    cell: str
    sort_key: str | None = None
    priority: int = 2  # 1 always shown; 2 from md; 3 from lg
    default: bool = True  # shown until the user picks columns
    data: object = None
    # A column whose cells speak for themselves (a badge): its header is read to screen readers
    # and named in the column picker, but not shown.
    label_hidden: bool = False
    # expression(model) -> scalar SQL of one row (a correlated count, say): read in the page's
    # own statement, so the column costs no statement at all; its template finds the value in
    # `prefetched[key][record.id]`.
    expression: Callable | None = None


class Capability:
    """Base with no-op hooks; a capability overrides what it contributes."""

    key = ""
    label = ""
    input_keys: tuple[str, ...] = ()
    # The one list filter of a capability that has one: its query parameter, what the API's
    # documentation says of it, and `value_conditions` for a value given to it.
    filter_param = ""
    filter_description = ""

    def clean(self, record_type, data: dict, context: Context) -> dict:
        """Cleaned values for this capability's input keys present in `data`."""
        return {}

    def from_form(self, record_type, form) -> dict:
        """Input values from a submitted HTML form, in the shape `clean` takes."""
        return {}

    def apply(self, record_type, record, cleaned: dict, context: Context) -> None:
        return None

    def track(self, record_type, record) -> dict:
        """{field: (old, new)} of what this capability changed on `record` (before flush)."""
        return {}

    def dump(self, record_type, record) -> dict:
        return {}

    def schema_fields(self, record_type, *, for_input: bool) -> dict:
        return {}

    def filter_params(self, record_type) -> dict:
        return {self.filter_param: self.filter_description} if self.filter_param else {}

    def filter_conditions(self, record_type, filters: dict, errors: Errors) -> list:
        value = filters.get(self.filter_param) if self.filter_param else None
        if value in (None, ""):
            return []
        return self.value_conditions(record_type, value, errors)

    def value_conditions(self, record_type, value: str, errors: Errors) -> list:
        """The SQL conditions of a list filtered by `value` of `filter_param` (never empty)."""
        return []

    def counted_ids(self, record_type, filters: dict):
        """A cheaper SELECT of the ids that `filters` (only this capability's own) match, for a
        list's count (a tag's typed links instead of a semi-join over the rows); None where
        there is none or a filter value is not valid (the list's own path reports it)."""

    def loader_options(self, record_type, purpose: str) -> list:
        """Eager loads for "list" or "detail" pages (a bounded number of queries)."""
        return []

    def list_reads(self, record_type, actor) -> list[ListRead]:
        """What the list page reads once per request for this capability (see ListRead)."""
        return []

    def after_load(self, record_type, records: list, purpose: str) -> None:
        """Fill what a page shows from values the request already holds (no query per row)."""
        return

    def columns(self, record_type) -> list[Column]:
        return []

    def filter_inputs(self, record_type) -> list[FilterInput]:
        """Inputs of the list page's filter bar for this capability's filters."""
        return []

    def tabs(self, record_type) -> list[Tab]:
        return []

    def panels(self, record_type) -> list[Panel]:
        return []

    def form_sections(self, record_type) -> list[FormSection]:
        return []

    def bulk_actions(self, record_type) -> list[BulkAction]:
        return []

    def catalogue(self, record_type) -> list[dict]:
        return []

    def conditions(self, record_type) -> list:
        """`app.records.conditions.Condition`s this capability offers segments (owner, tags…)."""
        return []

    def cell_columns(self, record_type) -> list:
        """`app.records.cells.CellColumn`s of exports and imports; by default the export
        columns, exported only."""

        return [CellColumn(key, label, read) for key, label, read in self.export_columns(record_type)]

    def export_columns(self, record_type) -> list[tuple[str, str, Callable]]:
        """(name, label, read(record)) columns this capability adds to exports."""
        return []

    def before_delete(self, record_type, records: list, actor) -> None:
        return None
