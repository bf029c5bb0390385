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
from sqlalchemy import func, select, tuple_

from app.core.context import require_tenant_id
from app.core.errors import is_api_request
from app.core.extensions import db
from app.records.registry import find_record_type

MAX_WARNINGS = 3


@dataclass(frozen=True)
class DuplicateRule:
    key: str
    reason: str
    values: Callable  # values(record) -> the record's normalized values (empty: nothing to compare)
    columns: tuple  # the columns a value is compared with, one per part of it
    join: object = None  # the relationship to reach them (a list field's child rows), if any


def _list_rule(model, field, reason: str) -> DuplicateRule:
    def values(record):
        return [(getattr(row, field.row_attribute),) for row in getattr(record, field.collection)]

    # Stored normalized (emails lower-cased, phones in E.164): compared as they are, so the
    # (tenant, value) index answers.
    child_column = getattr(field.child_model, field.row_attribute)
    return DuplicateRule(field.name, reason, values, (child_column,), getattr(model, field.collection))


def _column_rule(model, field, reason: str) -> DuplicateRule:
    def values(record):
        value = getattr(record, field.attribute)
        return [(value,)] if value else []

    return DuplicateRule(field.name, reason, values, (getattr(model, field.attribute),))


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
        # The name as written: the (tenant, name) index answers at once. Names that differ
        # only in case are paired by the nightly scan, which compares them lower-cased.
        columns = (getattr(model, name.attribute),)
        if company is not None:
            columns += (getattr(model, company.attribute),)

        def values(record):
            title = (getattr(record, name.attribute) or "").strip()
            if not title:
                return []
            if company is None:
                return [(title,)]
            at = getattr(record, company.attribute)
            return [(title, at)] if at else []

        reason = "Same name at the same company" if company is not None else "Same name"
        rules.append(DuplicateRule("name", reason, values, columns))
    return rules


def look_alikes(record_type, records, *, limit: int = MAX_WARNINGS, skip=()) -> dict:
    """{record id: [(other record, reason), …]}: up to `limit` records of this tenant that
    look like each of `records`, oldest first within each rule, rule by rule. One query per
    rule that has something to compare, whatever the number of records (an import asks for a
    whole batch); rules named in `skip` are already answered."""
    found = {record.id: [] for record in records}
    for rule in duplicate_rules(record_type):
        if rule.key in skip:
            continue
        asking = {record.id: rule.values(record) for record in records if len(found[record.id]) < limit}
        asking = {record_id: values for record_id, values in asking.items() if values}
        if not asking:
            continue
        # Each value's first `limit + 1` holders are enough: a record with k look-alikes from
        # earlier rules skips itself and those k, and wants `limit - k` more.
        holders = _first_holders(
            record_type, rule, {value for values in asking.values() for value in values}, limit + 1
        )
        for record_id, values in asking.items():
            taken = {record_id, *(other.id for other, _reason in found[record_id])}
            candidates = {other.id: other for value in values for other in holders.get(value, ())}
            for other in sorted(candidates.values(), key=lambda item: (item.created_at, str(item.id))):
                if len(found[record_id]) >= limit:
                    break
                if other.id not in taken:
                    found[record_id].append((other, rule.reason))
    return found


def _first_holders(record_type, rule, values, per_value: int) -> dict:
    """{value: the oldest records of this tenant holding it, at most `per_value` of them}:
    their ids ranked per value in one statement, then the records in one more."""
    model = record_type.model
    if len(rule.columns) > 1:
        matching = tuple_(*rule.columns).in_(list(values))
    else:
        matching = rule.columns[0].in_([value for (value,) in values])
    rank = func.row_number().over(partition_by=rule.columns, order_by=(model.created_at, model.id)).label("rank")
    ranked = select(model.id, *rule.columns, rank)
    if rule.join is not None:
        ranked = ranked.join(rule.join)
    ranked = ranked.where(model.tenant_id == require_tenant_id(), matching).subquery()
    rows = db.session.execute(select(ranked).where(ranked.c.rank <= per_value)).all()
    if not rows:
        return {}
    records = db.session.scalars(select(model).where(model.id.in_({row[0] for row in rows})))
    by_id = {record.id: record for record in records}
    holders: dict = {}
    for record_id, *value, _rank in rows:
        holders.setdefault(tuple(value), []).append(by_id[record_id])
    return holders


def warn_about_duplicates(event, record=None) -> None:
    """In-transaction subscriber of `*.created`: a form gets a flash with links to the
    look-alikes; an API response a `X-Possible-Duplicates` header with their ids."""
    if record is None or not event.name.endswith(".created") or not has_request_context():
        return
    record_type = find_record_type(event.record_type)
    if record_type is None:
        return
    matches = look_alikes(record_type, [record])[record.id]
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
