"""Candidate pairs: found by a scan (a job), listed for review, dismissed or merged.

The scan compares records through the same rules as the warning on create (same email,
same phone, same name at the same company), each rule one grouped query over the type's
table; on PostgreSQL it also pairs near-identical names at the same company by trigram
similarity (pg_trgm), which catches "Jon Smith" and "John Smith".
"""

import uuid

from sqlalchemy import String, cast, delete, func, or_, select, text

from app.auth.permissions import can, check_permission
from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.lookups import get_or_404
from app.core.newest_first import newest_first_page
from app.crm.duplicates.detection import duplicate_rules, name_fields
from app.crm.duplicates.models import DuplicatePair, PairStatus
from app.jobs.tenant_jobs import run_tenant_job_now
from app.records.registry import find_record_type, record_types

SIMILARITY = 0.6
MAX_PAIRS_PER_SCAN = 5000
JOB_KIND = "duplicates"
JOB_REF = "app.crm.duplicates.jobs:scan_tenant"


def request_duplicates_scan(*, actor) -> None:
    """Scan the workspace now rather than tonight (one scan however often it is asked for)."""
    check_permission(actor, "duplicates.review")
    run_tenant_job_now(require_tenant_id(), JOB_KIND, "scan", JOB_REF)


def scan_for_duplicates(*, limit: int = MAX_PAIRS_PER_SCAN) -> int:
    """Record new candidate pairs of every type; pairs already known (open or dismissed)
    stay as they are. Returns how many were added."""
    added = 0
    known = {
        (row.record_type, row.first_id, row.second_id)
        for row in db.session.execute(
            select(DuplicatePair.record_type, DuplicatePair.first_id, DuplicatePair.second_id)
        )
    }
    for record_type in record_types():
        for first, second, reason, score in _candidates(record_type, limit):
            key = (record_type.name, *sorted((first, second), key=str))
            if key in known or first == second:
                continue
            known.add(key)
            db.session.add(
                DuplicatePair(
                    record_type=record_type.name, first_id=key[1], second_id=key[2], reason=reason, score=score
                )
            )
            added += 1
            if added >= limit:
                db.session.flush()
                return added
    db.session.flush()
    return added


def _candidates(record_type, limit: int):
    model = record_type.model
    for rule in duplicate_rules(record_type):
        field = record_type.field(rule.key)
        if field is not None and getattr(field, "child_model", None) is not None:
            child = field.child_model
            value = func.lower(getattr(child, field.row_attribute))
            # The child table's column that names its record (a contact's email → contact_id).
            relation = getattr(model, field.collection).property
            owner = next(remote for _local, remote in relation.local_remote_pairs if remote.name != "tenant_id")
            groups = select(_lowest(owner), _highest(owner)).where(child.tenant_id == require_tenant_id())
            groups = groups.group_by(value).having(func.count(func.distinct(owner)) > 1).limit(limit)
            for row in db.session.execute(groups):
                yield _id(row.first), _id(row.second), rule.reason, 1.0
        elif rule.key == "name":
            name, company = name_fields(record_type)
            name_column = func.lower(getattr(model, name.attribute))
            keys = [name_column] + ([getattr(model, company.attribute)] if company is not None else [])
            conditions = [getattr(model, name.attribute) != ""]
            if company is not None:
                conditions.append(getattr(model, company.attribute).is_not(None))
            groups = (
                select(_lowest(model.id), _highest(model.id))
                .where(*conditions)
                .group_by(*keys)
                .having(func.count() > 1)
                .limit(limit)
            )
            for row in db.session.execute(groups):
                yield _id(row.first), _id(row.second), rule.reason, 1.0
            if company is not None and db.engine.dialect.name == "postgresql":
                yield from _similar_names(record_type, name, company, limit)
        else:
            column = func.lower(getattr(model, field.attribute))
            groups = (
                select(_lowest(model.id), _highest(model.id))
                .where(getattr(model, field.attribute).is_not(None), getattr(model, field.attribute) != "")
                .group_by(column)
                .having(func.count() > 1)
                .limit(limit)
            )
            for row in db.session.execute(groups):
                yield _id(row.first), _id(row.second), rule.reason, 1.0


def _lowest(column):
    # PostgreSQL has no min() of uuid: compare their text, which orders the same way.
    return func.min(cast(column, String)).label("first")


def _highest(column):
    return func.max(cast(column, String)).label("second")


def _id(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _similar_names(record_type, name, company, limit: int):
    """Near-identical names at the same company (PostgreSQL's pg_trgm similarity); the
    self-join is bounded by the company, so it never compares every pair of a tenant."""
    table = record_type.model.__table__.name
    statement = text(
        f"""
        SELECT a.id AS first, b.id AS second, similarity(lower(a.{name.attribute}), lower(b.{name.attribute})) AS score
        FROM {table} a JOIN {table} b
          ON b.tenant_id = a.tenant_id AND b.{company.attribute} = a.{company.attribute} AND a.id < b.id
        WHERE a.tenant_id = :tenant AND a.{company.attribute} IS NOT NULL
          AND lower(a.{name.attribute}) <> lower(b.{name.attribute})
          AND similarity(lower(a.{name.attribute}), lower(b.{name.attribute})) >= :threshold
        LIMIT :limit
        """
    )
    rows = db.session.execute(statement, {"tenant": require_tenant_id(), "threshold": SIMILARITY, "limit": limit})
    for row in rows:
        yield row.first, row.second, f"Similar names ({round(row.score * 100)}%) at the same company", float(row.score)


def list_pairs(*, actor, cursor=None, limit: int = 25):
    check_permission(actor, "duplicates.review")
    readable = [item.name for item in record_types() if _can_view(actor, item)]
    stmt = select(DuplicatePair).where(DuplicatePair.status == PairStatus.OPEN, DuplicatePair.record_type.in_(readable))
    return newest_first_page(stmt, by=DuplicatePair.created_at, cursor=cursor, limit=limit)


def _can_view(actor, record_type) -> bool:
    return can(actor, record_type.permission("view"))


def get_pair(pair_id, *, actor) -> DuplicatePair:
    check_permission(actor, "duplicates.review")
    return get_or_404(DuplicatePair, pair_id)


def dismiss_pair(pair: DuplicatePair, *, actor) -> None:
    check_permission(actor, "duplicates.review")
    pair.status = PairStatus.DISMISSED
    db.session.flush()


def forget_pairs(type_name: str, ids) -> None:
    """Remove the pairs naming any of these records (merged or deleted): pairs hold no
    foreign keys to the records, so nothing else would."""
    ids = list(ids)
    db.session.execute(
        delete(DuplicatePair).where(
            DuplicatePair.record_type == type_name,
            or_(DuplicatePair.first_id.in_(ids), DuplicatePair.second_id.in_(ids)),
        )
    )


def forget_pairs_of_deleted(event, record=None) -> None:
    """In-transaction subscriber of `*.deleted`: the record's pairs go with it."""
    if record is not None and event.record_type:
        forget_pairs(event.record_type, [record.id])


def pair_records(pairs) -> dict:
    """{record id: (record type, record)} for a page of pairs: one query per type."""

    wanted: dict[str, set] = {}
    for pair in pairs:
        wanted.setdefault(pair.record_type, set()).update({pair.first_id, pair.second_id})
    found = {}
    for type_name, ids in wanted.items():
        record_type = find_record_type(type_name)
        if record_type is None:
            continue
        model = record_type.model
        for record in db.session.scalars(select(model).where(model.id.in_(ids))):
            found[record.id] = (record_type, record)
    return found
