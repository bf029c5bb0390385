"""The HTML pages every record type gets from its declaration: list (search as you type,
filters, sortable columns, saved views, bulk actions), detail with tabs, create and edit
with inline errors, delete behind a confirmation.

`record_blueprint(record_type)` makes the type's blueprint; the type's own `views.py` adds
what is special to it (a lead's conversion, a company's hierarchy) to the same blueprint.
"""

from urllib.parse import parse_qsl

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app.auth.permissions import can, requires_permission
from app.core.errors import Conflict, ValidationFailed
from app.core.hosts import TenantBlueprint
from app.core.htmx import is_htmx
from app.core.security import safe_next_url
from app.core.text import plural
from app.core.transactions import undone_if_refused
from app.records import saved_views
from app.records.forms import RecordForm, data_from_form
from app.records.listing import filters_from_args
from app.records.pages import (
    action_state,
    detail_context,
    form_context,
    list_context,
    reference_prefill,
    render_tab,
    sort_link,
    visible_tabs,
)
from app.records.services import create_record, delete_record, get_record, run_bulk_action, update_record
from app.records.templating import record_lookup, reference_options

# Pages of the kit that belong to no one type: the picker of a link to a record of any type.
lookup_bp = TenantBlueprint("record_lookup", __name__)


@lookup_bp.route("/records/lookup")
@login_required
def options():
    """`<option>`s of an any-type record picker, grouped by type, for its search box (HTMX)."""
    types = [item for item in (request.args.get("types") or "").split(",") if item] or None
    lookup = record_lookup(request.args.get("selected"), request.args.get("q"), types)
    return render_template(
        "records/_any_reference_options.html", lookup=lookup, selected=request.args.get("selected", "")
    )


def record_blueprint(record_type) -> TenantBlueprint:
    """A blueprint named after the type's plural (`contacts`) with the standard pages."""
    bp = TenantBlueprint(record_type.plural, __name__)
    pages = RecordPages(record_type)
    base = f"/{record_type.plural}"
    one = f"{base}/<uuid:{record_type.id_arg}>"
    view, edit, create, delete = (record_type.permission(action) for action in ("view", "edit", "create", "delete"))
    routes = [
        (base, "index", pages.index, view, ["GET"]),
        (f"{base}/new", "new", pages.new, create, ["GET", "POST"]),
        (f"{base}/options", "options", pages.options, view, ["GET"]),
        (one, "show", pages.show, view, ["GET"]),
        (f"{one}/tabs/<key>", "tab", pages.tab, view, ["GET"]),
        (f"{one}/edit", "edit", pages.edit, edit, ["GET", "POST"]),
        (f"{one}/delete", "delete", pages.delete, delete, ["POST"]),
        (f"{base}/bulk", "bulk", pages.bulk, view, ["POST"]),
        (f"{base}/views", "save_view", pages.save_view, view, ["POST"]),
        (f"{base}/views/<uuid:view_id>/delete", "delete_view", pages.delete_view, view, ["POST"]),
    ]
    for rule, endpoint, func, permission, methods in routes:
        bp.add_url_rule(rule, endpoint, requires_permission(permission)(func), methods=methods)
    bp.record_type = record_type
    return bp


class RecordPages:
    """The view functions of one record type (thin: parse, one service call, render)."""

    def __init__(self, record_type):
        self.record_type = record_type

    def _template(self, name: str) -> list[str]:
        """The type's own template if it declares one, else the kit's."""
        own = self.record_type.templates.get(name)
        return [own, f"records/{name}.html"] if own else [f"records/{name}.html"]

    def _url(self, endpoint: str, record=None, **values) -> str:
        if record is not None:
            values[self.record_type.id_arg] = record.id
        return url_for(f"{self.record_type.plural}.{endpoint}", **values)

    def _record(self, kwargs, *, detail=False):
        return get_record(self.record_type, kwargs[self.record_type.id_arg], detail=detail)

    def index(self):
        context, status = list_context(self.record_type, request.args)
        context["sort_link"] = lambda key: sort_link(self.record_type, key, context["sort"])
        if is_htmx(target="record-list"):
            return render_template("records/_list.html", swapped=True, **context), status
        return render_template(self._template("index"), **context), status

    def options(self):
        """`<option>`s of a record picker, for its search box (HTMX)."""
        choices = reference_options(self.record_type.name, request.args.get("selected"), request.args.get("q"))
        return render_template("records/_options.html", choices=choices, selected=request.args.get("selected", ""))

    def new(self):
        return self._save(None)

    def edit(self, **kwargs):
        return self._save(self._record(kwargs, detail=True))

    def _save(self, record):
        record_type = self.record_type
        locked = record_type.locked(record, "edit") if record is not None else None
        if locked:
            flash(locked, "warning")
            return redirect(self._url("show", record))
        refused = action_state(record_type, "create" if record is None else "edit")
        if request.method == "GET" and not refused.enabled:
            # A reached plan limit (or a read-only workspace): say so before the form is filled in.
            flash(refused.reason, "warning")
            return redirect(self._url("index") if record is None else self._url("show", record))
        form = RecordForm()
        errors = {}
        if request.method == "POST" and form.validate_on_submit():
            data = data_from_form(record_type, request.form, record=record)
            try:
                if record is None:
                    saved = create_record(record_type, data, actor=current_user)
                    message = f"{record_type.title_of(saved) or record_type.label} added."
                else:
                    saved = update_record(record_type, record, data, actor=current_user)
                    message = f"{record_type.label} saved."
            except ValidationFailed as exc:
                errors = exc.details or {"_form": [exc.message]}
            else:
                flash(message, "success")
                return redirect(self._url("show", saved))
        elif request.method == "POST":
            errors = {"_form": ["Your form expired. Please submit it again."]}
        submitted = request.form if request.method == "POST" else None
        prefill = reference_prefill(record_type, request.args) if record is None and submitted is None else {}
        context = form_context(record_type, record, submitted, errors, prefill=prefill)
        context["form"] = form
        return render_template(self._template("form"), **context), (422 if errors else 200)

    def show(self, **kwargs):
        record = self._record(kwargs, detail=True)
        context = detail_context(self.record_type, record, request.args.get("tab"))
        if context is None:
            abort(404)
        return render_template(self._template("show"), **context)

    def tab(self, key, **kwargs):
        record = self._record(kwargs)
        tab = next((item for item in visible_tabs(self.record_type) if item.key == key), None)
        if tab is None:
            abort(404)
        if not is_htmx():
            return redirect(self._url("show", record, tab=key))
        return render_tab(tab, self.record_type, record)

    def delete(self, **kwargs):
        record = self._record(kwargs)
        title = self.record_type.title_of(record) or self.record_type.label
        back = self._url("show", record)
        try:
            with undone_if_refused():
                delete_record(self.record_type, record, actor=current_user)
        except Conflict as exc:  # still needed elsewhere (an issued invoice names it): said on its page
            flash(exc.message, "danger")
            return redirect(back)
        flash(f"{title} deleted.", "success")
        return redirect(self._url("index"))

    def bulk(self):
        record_type = self.record_type
        back = safe_next_url(request.form.get("next") or "", self._url("index"))
        if not RecordForm().validate_on_submit():
            flash("Your form expired. Please try again.", "danger")
            return redirect(back)
        action = next((item for item in record_type.bulk_actions() if item.key == request.form.get("action")), None)
        if action is None:
            flash("Choose an action.", "danger")
            return redirect(back)
        if not can(current_user, record_type.permission(action.action)):
            abort(403)
        params = {action.param: request.form.get(action.param)} if action.param else {}
        try:
            with undone_if_refused():
                count = run_bulk_action(
                    record_type, action.key, request.form.getlist("ids"), params, actor=current_user
                )
        except (ValidationFailed, Conflict) as exc:
            flash(exc.one_line(), "danger")
            return redirect(back)
        label = plural(count, record_type.label.lower(), record_type.label_plural.lower(), with_count=False)
        flash(action.done.format(n=f"{count:,}", label=label), "success")
        return redirect(back)

    def save_view(self):
        # The list as it was when saved: what the view keeps, and where a refusal goes back to
        # (the bare list would lose it, and a second try with "Replace" would save that).
        args = MultiDict(parse_qsl(request.form.get("query", "").lstrip("?"), keep_blank_values=False))
        back = self._url("index", **args.to_dict(flat=False))
        if not RecordForm().validate_on_submit():
            flash("Your form expired. Please try again.", "danger")
            return redirect(back)
        query = {
            "q": args.get("q", ""),
            "sort": args.get("sort") or None,
            "columns": args.getlist("columns"),
            "filters": filters_from_args(self.record_type, args),
        }
        try:
            view = saved_views.save_view(
                self.record_type,
                request.form.get("name"),
                query,
                replace=bool(request.form.get("replace")),
                actor=current_user,
            )
        except ValidationFailed as exc:
            flash(exc.one_line(), "danger")
            return redirect(back)
        flash(f"View “{view.name}” saved.", "success")
        return redirect(self._url("index") + "?" + saved_views.view_query_string(view))

    def delete_view(self, view_id):
        view = saved_views.get_saved_view(self.record_type, view_id, current_user)
        name = view.name
        saved_views.delete_view(view)
        flash(f"View “{name}” deleted.", "success")
        return redirect(self._url("index"))
