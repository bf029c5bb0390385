"""What makes two records of a type look like one: the same email, the same phone number
(stored in E.164, so it is already normalized), or the same name at the same company.

The rules come from the type's declared fields — email and phone fields (one value or a
list of child rows), the name field (the one sorted as "name"), and the company it is at
(a reference to a company, or a company-name text) — so every kit type gets them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import after_this_request, flash, has_request_context, url_for
from markupsafe import Markup, escape
from sqlalchemy import and_, select

from app.core.errors import is_api_request
from app.core.extensions import db
from app.records.registry import find_record_type

MAX_WARNINGS = 3


@dataclass(frozen=True)
class DuplicateRule:
    key: str
    reason: str
    values: Callable  # values(record) -> list of normalized values (empty: nothing to compare)
    condition: Callable  # condition(values) -> SQL condition on the type's model


def _list_rule(model, field, reason: str) -> DuplicateRule:
    child_column = getattr(field.child_model, field.row_attribute)
    collection = getattr(model, field.collection)

    def values(record):
        return [str(getattr(row, field.row_attribute)) for row in getattr(record, field.collection)]

    # Stored normalized (emails lower-cased, phones in E.164): compared as they are, so the
    # (tenant, value) index answers.
    return DuplicateRule(field.name, reason, values, lambda found: collection.any(child_column.in_(found)))


def _column_rule(model, field, reason: str) -> DuplicateRule:
    column = getattr(model, field.attribute)

    def values(record):
        value = getattr(record, field.attribute)
        return [str(value)] if value else []

    return DuplicateRule(field.name, reason, values, lambda found: column.in_(found))


def name_fields(record_type):
    """(name field, company field or None) of a type, or (None, None)."""
    name = next((item for item in record_type.fields if item.sort and item.sort_key == "name"), None)
    if name is None or name.column(record_type.model) is None:
        return None, None
    # The company it is at: not a company's own parent company.
    company = next(
        (
            item
            for item in record_type.fields
            if (getattr(item, "to", None) == "company" and record_type.name != "company") or item.name == "company_name"
        ),
        None,
    )
    return name, company


def duplicate_rules(record_type) -> list[DuplicateRule]:
    model = record_type.model
    rules = []
    for field in record_type.fields:
        if field.read_only:
            continue
        if field.kind in ("emails", "phones"):
            rules.append(_list_rule(model, field, "Same email" if field.kind == "emails" else "Same phone"))
        elif field.kind in ("email", "phone"):
            rules.append(_column_rule(model, field, "Same email" if field.kind == "email" else "Same phone"))
    name, company = name_fields(record_type)
    if name is not None and (company is not None or record_type.name == "company"):
        name_column = getattr(model, name.attribute)
        company_column = getattr(model, company.attribute) if company is not None else None

        def values(record):
            title = (getattr(record, name.attribute) or "").strip()
            at = getattr(record, company.attribute) if company is not None else ""
            if not title or (company is not None and not at):
                return []
            return [(title, at)]

        def condition(found):
            # The name as written: the (tenant, name) index answers at once. Names that differ
            # only in case are paired by the nightly scan, which compares them lower-cased.
            title, at = found[0]
            if company_column is None:
                return name_column == title
            return and_(name_column == title, company_column == at)

        reason = "Same name at the same company" if company is not None else "Same name"
        rules.append(DuplicateRule("name", reason, values, condition))
    return rules


def find_duplicates(record_type, record, *, limit: int = MAX_WARNINGS, skip=()) -> list[tuple[object, str]]:
    """(other record, reason) for records of this tenant that look like `record`: one query
    per rule that has something to compare (rules named in `skip` are already answered)."""
    found, seen = [], {record.id}
    model = record_type.model
    for rule in duplicate_rules(record_type):
        if rule.key in skip:
            continue
        values = rule.values(record)
        if not values:
            continue
        stmt = (
            select(model).where(rule.condition(values), model.id.not_in(seen)).order_by(model.created_at).limit(limit)
        )
        for other in db.session.scalars(stmt):
            found.append((other, rule.reason))
            seen.add(other.id)
        if len(found) >= limit:
            break
    return found[:limit]


def warn_about_duplicates(event, record=None) -> None:
    """In-transaction subscriber of `*.created`: a form gets a flash with links to the
    look-alikes; an API response a `X-Possible-Duplicates` header with their ids."""
    if record is None or not event.name.endswith(".created") or not has_request_context():
        return
    record_type = find_record_type(event.record_type)
    if record_type is None:
        return
    matches = find_duplicates(record_type, record)
    if not matches:
        return
    if is_api_request():
        ids = ",".join(str(other.id) for other, _reason in matches)

        @after_this_request
        def add_header(response):
            response.headers["X-Possible-Duplicates"] = ids
            return response

        return
    links = Markup(", ").join(
        Markup('<a href="{}">{}</a> ({})').format(
            url_for(f"{record_type.plural}.show", **{record_type.id_arg: other.id}),
            record_type.title_of(other) or "Untitled",
            escape(reason.lower()),
        )
        for other, reason in matches
    )
    flash(Markup("This may be a duplicate of {}.").format(links), "warning")
