"""A record type, declared once: its model, fields, capabilities and the few hooks a type
needs for what is really its own (a contact's full name, a lead's score).

Everything else — the validator, list/detail/form pages, the REST resource and its OpenAPI
schema, the field catalogue — is derived from the declaration by the kit.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.orm import MANYTOONE, joinedload, selectinload

from app.core.pagination import Sort
from app.core.text import key_in_words
from app.core.validation import Errors
from app.records.capabilities import BulkAction, Capability, Column, Context, Panel, Tab
from app.records.fields import Field, day_range_conditions
from app.records.loading import Together, split_loads
from app.records.registry import contributions
from app.records.services import delete_records


def changed_since_load(record, names) -> bool:
    """Whether any of the attributes `names` changed since the record was loaded: a type's
    `before_save` redoes what depends on them (a task's next due day, a meeting's invitations)."""
    state = inspect(record)
    return any(state.attrs[name].history.has_changes() for name in names)


@dataclass(frozen=True)
class ListFilter:
    """A filter that is not one field's: `conditions(value, errors) -> [SQL conditions]`."""

    name: str
    description: str  # for the API's documentation of the query parameter
    conditions: Callable
    choices: dict | None = None  # shown as a select on the list page
    label: str = ""  # the select's label there; the description is written for developers

    def __post_init__(self):
        if self.choices and not self.label:
            raise ValueError(f"List filter {self.name!r} is shown on the list page: give it a label")


class RecordType:
    """The declaration. Subclass it to override a hook; instantiate it with keyword arguments."""

    # How a reminder says the record's moment comes: "Task “Call Ada” is due in 15 minutes".
    reminder_verb = "is due"

    def __init__(
        self,
        *,
        name: str,
        plural: str = "",
        label: str = "",
        label_plural: str = "",
        model,
        fields: list[Field],
        capabilities: list[Capability] = (),
        icon: str = "circle",
        title: str | Callable = "name",
        title_sort: str | None = None,
        subtitle: Callable | None = None,
        meter: str | None = None,
        default_sort: str = "-created_at",
        sorts: list[Sort] = (),
        filters: list[ListFilter] = (),
        tabs: list[Tab] = (),
        panels: list[Panel] = (),
        contributes: list[tuple[str, object]] = (),
        bulk_actions: list[BulkAction] = (),
        columns: list[Column] = (),
        example: dict | None = None,
        description: str = "",
        nav_order: int = 100,
        nav: tuple[str, str, str] | None = None,
        nav_group: str = "main",
        nav_badge: tuple[str, str] | None = None,
        nav_args: dict[str, str] | None = None,
        page_size: int = 25,
        load: dict[str, Callable] | None = None,
        templates: dict | None = None,
        empty_text: str = "",
        match_on: str | None = None,
        about_a_person: bool = False,
    ):
        self.name = name
        # Said once, in the name: "invoice" is listed at /invoices as "Invoices". A type whose
        # plural is not the name with an s (a company) declares it.
        self.plural = plural or f"{name}s"
        self.label = label or key_in_words(name)
        self.label_plural = label_plural or key_in_words(self.plural)
        self.model = model
        self.fields = list(fields)
        self.capabilities = list(capabilities)
        self.icon = icon
        self._title = title
        # The sort the list's title column offers when the title is not a sortable field of its
        # own (a person's name made of its parts sorts by "name").
        self._title_sort = title_sort
        self.subtitle = subtitle
        self.meter = meter
        self.default_sort = default_sort
        self._extra_sorts = list(sorts)
        self._extra_filters = list(filters)
        self._tabs = list(tabs)
        self._panels = list(panels)
        # (other type's name, Tab or Panel) this type adds to another type's detail page.
        self.contributes = list(contributes)
        self._bulk_actions = list(bulk_actions)
        self._columns = list(columns)
        self.example = dict(example or {})
        self.description = description or f"{self.label_plural} of this workspace."
        self.nav_order = nav_order
        # (label, endpoint, icon) of the type's top-bar entry when it is not its list (a calendar).
        self.nav = nav or (self.label_plural, f"{self.plural}.index", icon)
        # "main" puts the list in the top bar; another group puts it in that group's menu.
        self.nav_group = nav_group
        # (endpoint of a count, event that refreshes it) beside the top-bar entry: NavItem.badge.
        self.nav_badge = nav_badge
        # The list's filters the top-bar entry opens it with (a person's own open tasks rather
        # than everyone's, done ones first); the list without them stays one "Reset" away.
        self.nav_args = dict(nav_args or {})
        self.page_size = page_size
        # purpose ("list", "detail", "search") -> function returning eager-load options
        self._load = dict(load or {})
        self.templates = dict(templates or {})
        self.empty_text = empty_text or f"No {self.label_plural.lower()} yet."
        # The field an imported row is matched on (a product's SKU); by default its first
        # email or domain field.
        self.match_on = match_on
        # A record about one person (a contact, a lead) offers that person's data for download
        # and its erasure. Other records only mention people: erasing an invoice or a quote would
        # destroy business records, and the person's own erasure scrubs what they mention.
        self.about_a_person = about_a_person
        for item in self.fields:
            item.bind(model)
        names = [item.name for item in self.fields]
        duplicated = {item for item in names if names.count(item) > 1}
        if duplicated:
            raise ValueError(f"{name}: fields declared twice: {', '.join(sorted(duplicated))}")
        # A list page asks for a field by name once per cell.
        self._fields_by_name = {item.name: item for item in self.fields}

    def __repr__(self) -> str:
        return f"<RecordType {self.name}>"

    # -- reading the declaration ------------------------------------------------------

    def has(self, capability) -> bool:
        return any(
            item is capability or item.key == getattr(capability, "key", capability) for item in self.capabilities
        )

    @property
    def owner_label(self) -> str:
        """What the owner capability is called on this type ("Owner", a task's "Assignee")."""
        return next((item.label for item in self.capabilities if item.key == "owner"), "Owner")

    def field(self, name: str) -> Field | None:
        return self._fields_by_name.get(name)

    def change_label(self, name: str) -> str:
        """What a change of `name` is called where people read it (timelines, summaries): the
        field's label, or a capability's key in words (`custom_fields.shoe_size` → "Shoe size")."""
        field = self.field(name)
        if field is not None:
            return field.label
        return key_in_words(name)

    def change_summary(self, changes: dict) -> str:
        return "Updated " + ", ".join(self.change_label(name).lower() for name in changes)

    def timeline_changes(self, record, changes: dict) -> dict:
        """The changes of an edit that its "updated" entry tells on the timeline: all of them,
        unless the type's own events of the same edit tell some there (a deal's stage move)."""
        return changes

    @property
    def writable_fields(self) -> list[Field]:
        return [item for item in self.fields if not item.read_only]

    def input_keys(self) -> list[str]:
        keys = [item.name for item in self.writable_fields]
        for capability in self.capabilities:
            keys.extend(capability.input_keys)
        return keys

    def permission(self, action: str) -> str:
        return f"{self.plural}.{action}"

    @property
    def id_arg(self) -> str:
        """The URL argument naming one record: `contact_id`."""
        return f"{self.name}_id"

    def title_of(self, record) -> str:
        if callable(self._title):
            return self._title(record) or ""
        return getattr(record, self._title, "") or ""

    @property
    def title_sort(self) -> str | None:
        """The sort key of the list's title column, or None when the title does not sort."""
        if self._title_sort:
            return self._title_sort
        field = self._fields_by_name.get(self._title) if isinstance(self._title, str) else None
        return field.sort_key if field is not None and field.sort else None

    def subtitle_of(self, record) -> str:
        return (self.subtitle(record) or "") if self.subtitle else ""

    # -- lists ----------------------------------------------------------------------------

    def sorts(self) -> dict[str, Sort]:
        sorts: dict[str, Sort] = {}
        for item in self._extra_sorts:
            sorts[item.key] = item
        for item in self.fields:
            if item.sort:
                column = item.sort_column(self.model)
                ascending, descending = item.sort_labels
                sorts.setdefault(item.sort_key, Sort(item.sort_key, column, False, f"{item.label} {ascending}"))
                sorts.setdefault(
                    f"-{item.sort_key}", Sort(f"-{item.sort_key}", column, True, f"{item.label} {descending}")
                )
        sorts.setdefault("-created_at", Sort("-created_at", self.model.created_at, True, "Newest first"))
        sorts.setdefault("created_at", Sort("created_at", self.model.created_at, False, "Oldest first"))
        sorts.setdefault("-updated_at", Sort("-updated_at", self.model.updated_at, True, "Recently updated"))
        sorts.setdefault("updated_at", Sort("updated_at", self.model.updated_at, False, "Least recently updated"))
        return sorts

    def filter_params(self) -> dict[str, str]:
        """Every list filter of this type: {query parameter: description}."""
        params: dict[str, str] = {}
        for item in self.fields:
            params.update(item.filter_params())
        for capability in self.capabilities:
            params.update(capability.filter_params(self))
        for item in self._extra_filters:
            params[item.name] = item.description
        params["created_after"] = "Created on or after this day (YYYY-MM-DD, workspace time zone)"
        params["created_before"] = "Created on or before this day (YYYY-MM-DD, workspace time zone)"
        return params

    @property
    def extra_filters(self) -> list[ListFilter]:
        return list(self._extra_filters)

    def filter_conditions(self, filters: dict, errors) -> list:
        conditions = []
        for item in self.fields:
            conditions.extend(item.filter_conditions(self.model, filters, errors))
        for capability in self.capabilities:
            conditions.extend(capability.filter_conditions(self, filters, errors))
        for item in self._extra_filters:
            if filters.get(item.name) not in (None, ""):
                conditions.extend(item.conditions(filters[item.name], errors))
        conditions.extend(day_range_conditions(self.model.created_at, "created", filters, errors))
        return conditions

    def counted_ids(self, filters: dict):
        """What a capability counts on its own for `filters` (see Capability.counted_ids), or
        None: when another filter is set too, or the type adds conditions to every list."""
        if not filters or self.filter_conditions({}, Errors()):
            return None
        for capability in self.capabilities:
            if set(filters) <= set(capability.filter_params(self)):
                ids = capability.counted_ids(self, filters)
                if ids is not None:
                    return ids
        return None

    def loader_options(self, purpose: str) -> list:
        """Eager loads for a "list" page, a "detail" page, an "api" page (only what the JSON
        holds) or a "search" re-index: a bounded number of queries, whatever the rows."""
        return [item.as_option() if isinstance(item, Together) else item for item in self._loads(purpose)]

    def page_loads(self, purpose: str) -> tuple[list, list[Together]]:
        """A list page's loads: (options for the page's statement, the collections that
        `load_together` reads in one statement after it)."""
        return split_loads(self._loads(purpose))

    def _loads(self, purpose: str) -> list:
        options = []
        if purpose != "search":
            for capability in self.capabilities:
                options.extend(capability.loader_options(self, purpose))
        for item in self.fields:
            relation = getattr(item, "relation", None)
            wanted = {"list": item.list, "detail": True, "search": item.search, "api": False, "export": True}[purpose]
            if relation and wanted and not getattr(item, "shared_rows", False):
                attribute = getattr(self.model, relation)
                # A row's one referenced record (a contact's company) comes joined to the page's
                # own statement: one row each, so the LIMIT and the keyset order are untouched.
                one = purpose == "list" and attribute.property.direction is MANYTOONE
                options.append(joinedload(attribute) if one else selectinload(attribute))
        # Exports write every column: they load what the detail page loads.
        load = self._load.get(purpose) or (self._load.get("detail") if purpose == "export" else None)
        if load is not None:
            options.extend(load())
        return options

    def after_load(self, records: list, purpose: str) -> None:
        """Let capabilities fill a loaded page from what the request already holds."""
        if records and purpose == "list":
            for item in self.fields:
                if item.list and getattr(item, "shared_rows", False):
                    item.rows()  # the session now holds every row a record can point to
        for capability in self.capabilities:
            capability.after_load(self, records, purpose)

    def columns(self) -> list[Column]:
        """The list page's columns after the title: declared list fields, then capabilities'."""
        columns = [
            Column(
                item.name,
                item.label,
                "field",
                sort_key=item.sort_key if item.sort else None,
                priority=1 if item.list_on_phones else 2,
            )
            for item in self.fields
            if item.list
        ]
        columns.extend(self._columns)
        for capability in self.capabilities:
            columns.extend(capability.columns(self))
        return columns

    def tabs(self) -> list[Tab]:
        tabs = list(self._tabs)
        for capability in self.capabilities:
            tabs.extend(capability.tabs(self))
        tabs.extend(contributions(self.name, "tab"))
        return sorted(tabs, key=lambda tab: (tab.order, tab.label))

    def panels(self) -> list[Panel]:
        panels = list(self._panels)
        for capability in self.capabilities:
            panels.extend(capability.panels(self))
        panels.extend(contributions(self.name, "panel"))
        return sorted(panels, key=lambda panel: panel.order)

    def bulk_actions(self) -> list[BulkAction]:
        actions = list(self._bulk_actions)
        for capability in self.capabilities:
            actions.extend(capability.bulk_actions(self))
        actions.append(BulkAction("delete", "Delete", "delete", _delete_selected, "{n} {label} deleted."))
        return actions

    def field_sections(self) -> dict[str, list[Field]]:
        sections: dict[str, list[Field]] = {}
        for item in self.fields:
            sections.setdefault(item.section, []).append(item)
        return sections

    # -- hooks a type overrides ---------------------------------------------------------

    def check(self, cleaned: dict, context: Context) -> None:
        """Rules across fields; add messages to `context.errors`."""
        return

    def locked(self, record, action: str) -> str | None:
        """Why `record` may not be changed ("edit") or deleted ("delete") in its present state
        (an accepted quote, an issued invoice), or None. Pages show the reason on a disabled
        button; the services refuse with a Conflict."""
        return None

    def before_update(self, record, cleaned: dict, context: Context) -> None:
        """Validated changes are about to be applied to `record`, which still holds its old
        values (a type that keeps versions copies the old one here)."""
        return

    def before_save(self, record, cleaned: dict, context: Context) -> None:
        """Derived values, set after the input is applied and before the flush."""
        return

    def after_save(self, record, cleaned: dict, context: Context) -> None:
        """Rules that need the record's row (it is flushed), such as one primary per company."""
        return

    def search_parts(self, record) -> list:
        """What list search matches: the searchable fields' values (types add more)."""
        return [item.search_value(record) for item in self.fields if item.search]

    def related(self, record) -> list[tuple[str, object]]:
        """Other records whose timeline also shows this record's events and activities."""
        return []

    def before_delete(self, records: list, actor) -> None:
        """Clean-ups of this type's own links before its rows go."""
        return

    def on_activity(self, record, activity) -> None:
        """An activity was logged, changed or removed on this record (a lead's speed to lead)."""
        return


def _delete_selected(record_type, records, params, actor) -> int:
    return delete_records(record_type, records, actor=actor)
