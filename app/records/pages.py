"""What the kit's pages show: a list with its filters and saved views, a detail page with its
tabs and panels, a form with its sections, and which actions are allowed or disabled (why)."""

from dataclasses import dataclass

from flask import g, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.auth.permissions import can
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.request_cache import missing, remember
from app.core.text import plural
from app.plans.services import entitlements, held_by_platform, upgrade_url
from app.records.capabilities import FilterInput
from app.records.fields import (
    Address,
    AnyReference,
    Boolean,
    Choice,
    DateField,
    DateTimeField,
    Lookup,
    Number,
    Reference,
)
from app.records.forms import ConfirmForm, RecordForm
from app.records.listing import count_records, filters_from_args, list_records, page_values
from app.records.loading import read_together
from app.records.saved_views import list_saved_views, saved_views_read


@dataclass(frozen=True)
class ActionState:
    """Whether a button is shown, and if shown whether it works (and why not)."""

    visible: bool
    enabled: bool = True
    reason: str = ""
    link: str = ""
    link_label: str = ""


def action_state(record_type, action: str) -> ActionState:
    """Hidden without the permission; shown disabled, with the reason, when the workspace is
    read-only or (for creating a counted type) the plan's limit is reached."""
    if not can(current_user, record_type.permission(action)):
        return ActionState(False)
    if action in ("view", "export"):
        return ActionState(True)
    ent = entitlements(g.tenant)
    if ent.read_only:
        return _read_only_state()
    if action == "create" and record_type.meter:
        limit = ent.limit(record_type.meter)
        if limit is not None and ent.used(record_type.meter) >= limit:
            return ActionState(
                True,
                False,
                f"Your {ent.plan.name} plan allows "
                f"{plural(limit, record_type.label.lower(), record_type.label_plural.lower())}.",
                upgrade_url() if can(current_user, "plan.view") else "",
                "Upgrade",
            )
    return ActionState(True)


def _read_only_state() -> ActionState:
    if held_by_platform(g.tenant):
        return ActionState(
            True, False, "The workspace is suspended by Atrium: nothing can be changed until it is lifted."
        )
    return ActionState(
        True,
        False,
        "The workspace is read-only: settle the subscription to make changes.",
        url_for("billing.index") if can(current_user, "billing.manage") else "",
        "Settle billing",
    )


def permission_action_state(permission: str) -> ActionState:
    """`action_state` for a button that adds or changes something other than a record (a form,
    a workflow, a campaign): hidden without `permission`, disabled with the reason while the
    workspace is read-only."""
    if not can(current_user, permission):
        return ActionState(False)
    return _read_only_state() if entitlements(g.tenant).read_only else ActionState(True)


def record_action_state(record_type, record, action: str) -> ActionState:
    """`action_state`, and disabled with the type's reason while the record is locked."""
    state = action_state(record_type, action)
    reason = record_type.locked(record, action) if state.visible and state.enabled else None
    return ActionState(True, False, reason) if reason else state


# ---------------------------------------------------------------------------- lists


def range_labels(label: str) -> tuple[str, str]:
    """The labels of a range filter's two ends (both included). The field's label is kept
    apart from them: "Valid until from" and "Valid until until" read as nonsense."""
    return f"{label}: from", f"{label}: to"


def filter_inputs(record_type) -> list[FilterInput]:
    """The filter bar: capabilities' filters (owner, tag, custom fields) and the fields'."""
    inputs = []
    for capability in record_type.capabilities:
        inputs.extend(capability.filter_inputs(record_type))
    for field in record_type.fields:
        if not field.filter:
            continue
        if isinstance(field, Choice):
            inputs.append(FilterInput(field.name, field.label, "select", list(field.choices.items())))
        elif isinstance(field, Boolean):
            inputs.append(FilterInput(field.name, field.label, "select", [("true", "Yes"), ("false", "No")]))
        elif isinstance(field, DateField | DateTimeField):
            start, end = range_labels(field.label)
            inputs.append(FilterInput(f"{field.name}_after", start, "date"))
            inputs.append(FilterInput(f"{field.name}_before", end, "date"))
        elif isinstance(field, Number):
            start, end = range_labels(field.label)
            inputs.append(FilterInput(f"min_{field.name}", start, "number"))
            inputs.append(FilterInput(f"max_{field.name}", end, "number"))
        elif isinstance(field, Lookup):
            inputs.append(FilterInput(field.name, field.label, "select", field.options_for(None)))
    for item in record_type.extra_filters:
        if item.choices:
            inputs.append(FilterInput(item.name, item.label, "select", list(item.choices.items())))
    start, end = range_labels("Created")
    inputs.append(FilterInput("created_after", start, "date"))
    inputs.append(FilterInput("created_before", end, "date"))
    return inputs


# The list's own arguments that are not filters, as a refusal names them.
LIST_ARGUMENT_LABELS = {"q": "Search", "sort": "Sort", "cursor": "Page", "columns": "Columns"}


def read_list_page_rows(record_type, actor) -> None:
    """Read together what the page's filter bar, cells and bulk bar need beside its records
    (tags, users, custom fields, saved views: one statement, not one each), and keep each
    where `per_request` finds it."""
    wanted = [item for capability in record_type.capabilities for item in capability.list_reads(record_type, actor)]
    wanted.append(saved_views_read(record_type, actor))
    unread = set(missing(item.key for item in wanted))
    wanted = [item for item in wanted if item.key in unread]
    for item, rows in zip(wanted, read_together(db.session, [item.read for item in wanted]), strict=True):
        remember(item.key, item.shape(rows))


def list_context(record_type, args, *, where=()) -> tuple[dict, int]:
    """Everything the list page (and its HTMX table partial) renders, and the status.
    `where` narrows the list by SQL conditions (a segment's list is the type's list plus
    its definition)."""
    filters = filters_from_args(record_type, args)
    search = (args.get("q") or "").strip()
    sort = args.get("sort") or record_type.default_sort
    errors = {}
    page, count, capped = None, 0, False
    read_list_page_rows(record_type, current_user)
    columns = record_type.columns()
    chosen = args.getlist("columns") if hasattr(args, "getlist") else []
    visible = [column for column in columns if (column.key in chosen if chosen else column.default)]
    computed = {column.key: column.expression(record_type.model) for column in visible if column.expression}
    try:
        page = list_records(
            record_type,
            actor=current_user,
            search=search,
            filters=filters,
            sort=sort,
            cursor=args.get("cursor"),
            where=where,
            values=computed,
        )
        count, capped = count_records(record_type, search=search, filters=filters, where=where)
    except ValidationFailed as exc:
        errors = exc.details
    # {column key: {record id: value}} of the columns computed in the page's statement.
    prefetched = page_values(page)
    inputs = filter_inputs(record_type)
    actions = [
        action for action in record_type.bulk_actions() if can(current_user, record_type.permission(action.action))
    ]
    context = {
        "record_type": record_type,
        "page": page,
        "errors": errors,
        "search": search,
        "filters": filters,
        "sort": sort,
        "sorts": record_type.sorts(),
        "count": count,
        "count_capped": capped,
        "columns": visible,
        "all_columns": columns,
        "prefetched": prefetched,
        "filter_inputs": inputs,
        # A refused value is named as the page labels its input ("Value: from", not min_value).
        "error_labels": {**LIST_ARGUMENT_LABELS, **{item.name: item.label for item in inputs}},
        "bulk_actions": actions,
        # A read-only workspace refuses every bulk action (exporting the selection still works).
        "bulk_refused": _read_only_state() if actions and entitlements(g.tenant).read_only else None,
        "saved_views": list_saved_views(record_type, current_user),
        "save_view": _read_only_state() if entitlements(g.tenant).read_only else ActionState(True),
        "create": action_state(record_type, "create"),
        "confirm_form": ConfirmForm(),
    }
    return context, (422 if errors else 200)


def sort_link(record_type, key: str, current: str) -> str:
    """The URL that sorts the list by `key`, flipping the direction when it already is (on
    the page showing the list: the type's list, or a segment's)."""
    args = request.args.to_dict(flat=False)
    args.pop("cursor", None)
    args["sort"] = [f"-{key}" if current == key else key]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


# ---------------------------------------------------------------------------- detail


def render_block(template: str, **context) -> Markup:
    return Markup(render_template(template, **context))  # noqa: S704 - output of an autoescaped template


def visible_tabs(record_type) -> list:
    return [tab for tab in record_type.tabs() if tab.permission is None or can(current_user, tab.permission)]


def detail_context(record_type, record, tab_key: str | None) -> dict | None:
    tabs = visible_tabs(record_type)
    active = next((tab for tab in tabs if tab.key == tab_key), None) if tab_key else (tabs[0] if tabs else None)
    if tab_key and active is None:
        return None
    panels = record_type.panels()
    return {
        "record_type": record_type,
        "record": record,
        "title": record_type.title_of(record),
        "subtitle": record_type.subtitle_of(record),
        "sections": _detail_sections(record_type, record),
        "side_panels": [_render_panel(panel, record_type, record) for panel in panels if panel.column == "side"],
        "main_panels": [_render_panel(panel, record_type, record) for panel in panels if panel.column == "main"],
        "tabs": tabs,
        "active": active,
        "tab_html": render_tab(active, record_type, record) if active else Markup(""),
        "edit": record_action_state(record_type, record, "edit"),
        "delete": record_action_state(record_type, record, "delete"),
        "confirm_form": ConfirmForm(),
    }


def _detail_sections(record_type, record) -> dict:
    """The facts the detail page shows, by section; a section with nothing to show (every value
    empty and hidden when empty, such as a deal's outcome while it is open) is left out."""

    def shown(field) -> bool:
        return field.detail and not (field.hide_empty and field.value(record) in (None, "", []))

    return {
        name: [field for field in fields if field.detail]
        for name, fields in record_type.field_sections().items()
        if any(shown(field) for field in fields)
    }


def _render_panel(panel, record_type, record) -> Markup:
    return render_block(
        panel.template, **{"record_type": record_type, "record": record, **panel.loader(record_type, record)}
    )


def render_tab(tab, record_type, record) -> Markup:
    return render_block(
        tab.template, **{"record_type": record_type, "record": record, **tab.loader(record_type, record)}
    )


# ---------------------------------------------------------------------------- forms


def reference_prefill(record_type, args) -> dict:
    """A link to a new record may name the records it belongs to (`/quotes/new?deal_id=…`) and
    the values of fields declared `prefill=True` (a calendar's chosen slot): only those are
    taken — references as ids — and the validator checks them on submit."""
    values = {}
    for field in record_type.writable_fields:
        if isinstance(field, Reference | AnyReference):
            record_id = parse_uuid(args.get(field.name))
            if record_id:
                values[field.name] = str(record_id)
        elif field.prefill:
            raw = field.from_form(args)
            if raw is not None:
                values[field.name] = raw
    return values


def form_context(record_type, record, submitted=None, errors: dict | None = None, *, prefill=None) -> dict:
    errors = errors or {}
    sections = []
    for capability in record_type.capabilities:
        sections.extend(capability.form_sections(record_type))
    sections.sort(key=lambda section: section.order)
    values = {}
    for field in record_type.writable_fields:
        if submitted is not None:
            raw = field.from_form(submitted)
            values[field.name] = field.form_value(None) if raw is None else raw
        else:
            values[field.name] = field.form_value(record)
    values.update(prefill or {})
    return {
        "record_type": record_type,
        "record": record,
        "form": RecordForm(),
        "field_sections": {
            name: [f for f in fields if not f.read_only] for name, fields in record_type.field_sections().items()
        },
        "values": values,
        "errors": errors,
        "other_errors": _unplaced(record_type, errors),
        "extra_sections": [
            render_block(
                section.template,
                **{"record_type": record_type, **section.loader(record_type, record, submitted, errors)},
            )
            for section in sections
        ],
        "is_address": lambda field: isinstance(field, Address),
    }


def _unplaced(record_type, errors: dict) -> list[str]:
    """Messages with no input of their own on the form (shown at the top)."""
    known = {field.name for field in record_type.writable_fields}
    for capability in record_type.capabilities:
        known.update(capability.input_keys)
    messages = []
    for key, items in errors.items():
        root = key.split(".", 1)[0]
        if root not in known:
            messages.extend(items)
    return messages
