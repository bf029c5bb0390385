"""Saved views: a user keeps a list's search, filters, sort and columns under a name."""

from urllib.parse import urlencode

from flask import abort
from sqlalchemy import select

from app.auth.permissions import acting_user
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.request_cache import forget
from app.core.validation import Errors, clean_text, contains_nul
from app.records.capabilities import ListRead
from app.records.listing import filtered_statement, resolve_record_sort
from app.records.loading import Read
from app.records.models import SavedView

MAX_VIEWS_PER_LIST = 50
ALREADY_NAMED = "You already have a view named “{name}”. Choose another name, or tick “Replace it”."


def saved_views_read(record_type, actor) -> ListRead:
    """The actor's views of this type, by name: once per request (with a list page's reads)."""
    user = acting_user(actor)
    where = (SavedView.user_id == user.id, SavedView.record_type == record_type.name)
    return ListRead(saved_views_key(record_type.name, user.id), Read(SavedView, where, (SavedView.name,)))


def saved_views_key(type_name: str, user_id) -> str:
    return f"saved_views:{type_name}:{user_id}"


def list_saved_views(record_type, actor) -> list[SavedView]:
    return saved_views_read(record_type, actor).rows()


def get_saved_view(record_type, view_id, actor) -> SavedView:
    """The actor's own view; anyone else's is a 404 like a missing one."""
    view = get_or_404(SavedView, view_id)
    if view.user_id != acting_user(actor).id or view.record_type != record_type.name:
        abort(404)
    return view


def save_view(record_type, name, query: dict, *, replace: bool = False, actor) -> SavedView:
    """Create the view; the actor's view of the same name is replaced only when they say so
    (`replace`), never by accident."""
    errors = Errors()
    name = clean_text({"name": name}, "name", errors, max_length=80, required=True, label="Name")
    errors.raise_if_any()
    query = _check_query(record_type, query)
    user = acting_user(actor)
    existing = db.session.scalar(
        select(SavedView).where(
            SavedView.user_id == user.id, SavedView.record_type == record_type.name, SavedView.name == name
        )
    )
    if existing is not None:
        if not replace:
            raise ValidationFailed("Name taken.", details={"name": [ALREADY_NAMED.format(name=name)]})
        existing.query = query
        db.session.flush()
        return existing
    if len(list_saved_views(record_type, actor)) >= MAX_VIEWS_PER_LIST:
        raise ValidationFailed("Too many views.", details={"name": [f"Keep at most {MAX_VIEWS_PER_LIST} views."]})
    view = SavedView(user_id=user.id, record_type=record_type.name, name=name, query=query)
    db.session.add(view)
    db.session.flush()
    forget(saved_views_read(record_type, actor).key)
    return view


def delete_view(view: SavedView) -> None:
    db.session.delete(view)
    db.session.flush()
    forget(saved_views_key(view.record_type, view.user_id))


def _check_query(record_type, query: dict) -> dict:
    if contains_nul(query):
        raise ValidationFailed("Invalid view.", details={"name": ["Contains a NUL character."]})
    filters = {key: str(value) for key, value in (query.get("filters") or {}).items() if value not in (None, "")}
    # Names and values, as the list checks them: a view the list refuses would open on an error.
    filtered_statement(record_type, search=None, filters=filters)
    sort = query.get("sort") or record_type.default_sort
    resolve_record_sort(record_type, sort)
    known = {column.key for column in record_type.columns()}
    columns = [str(key) for key in query.get("columns") or [] if key in known]
    return {"q": str(query.get("q") or "")[:200], "filters": filters, "sort": sort, "columns": columns}


def view_query_string(view: SavedView) -> str:
    """The list URL's query string that opens this view."""
    pairs = []
    if view.query.get("q"):
        pairs.append(("q", view.query["q"]))
    pairs.extend(sorted((view.query.get("filters") or {}).items()))
    pairs.append(("sort", view.query.get("sort") or ""))
    pairs.extend(("columns", column) for column in view.query.get("columns") or [])
    pairs.append(("view", str(view.id)))
    return urlencode(pairs)
