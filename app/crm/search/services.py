"""Search across record types: the types the actor may view, through their `search_text`
(trigram-indexed on PostgreSQL, see `app.records.search`), best matches first.

Every type's best ids come from one statement (`best_matches_together`, through the platform
role on PostgreSQL: the trigram index for a rare term, the newest rows for a common one, so a
common word never has a list statement test every row under row-level security); then only the
types with a match are loaded, each in one statement and its collections in another.
"""

from dataclasses import dataclass

from sqlalchemy import select

from app.auth.permissions import can
from app.core.extensions import db
from app.records.loading import load_together
from app.records.registry import record_types
from app.records.search import (
    among,
    best_matches_together,
    ordered_matches_together,
    search_terms,
    searches_through_platform,
    starts_first,
)

PER_TYPE = 5
MAX_PER_TYPE = 50
MAX_QUERY = 200


@dataclass
class Hit:
    record_type: object
    record: object

    @property
    def title(self) -> str:
        return self.record_type.title_of(self.record) or "Untitled"

    @property
    def subtitle(self) -> str:
        return self.record_type.subtitle_of(self.record)


@dataclass
class Group:
    record_type: object
    hits: list
    more: bool


def searchable_types(actor, names=None) -> list:
    return [
        item
        for item in record_types()
        if can(actor, item.permission("view")) and (not names or item.name in names or item.plural in names)
    ]


def search_everything(query: str | None, *, actor, per_type: int = PER_TYPE, types=None) -> list[Group]:
    """Groups of hits per record type; records whose search text starts with the first term
    come first, then the most recently updated (`best_matches_together`'s order)."""
    query = (query or "").strip()[:MAX_QUERY]
    terms = search_terms(query)
    if not terms:
        return []
    per_type = max(1, min(int(per_type), MAX_PER_TYPE))
    record_types = searchable_types(actor, types)
    if not record_types:
        return []
    tables = [record_type.model.__table__ for record_type in record_types]
    # Every type's best ids in one statement; only the types with a match are then loaded.
    if searches_through_platform():
        best = best_matches_together(tables, terms, per_type + 1)
    else:
        best = ordered_matches_together(db.session.connection(), tables, terms, per_type + 1)
    groups = []
    for record_type, ids in zip(record_types, best, strict=True):
        if not ids:
            continue
        model = record_type.model
        options, collections = record_type.page_loads("search")
        stmt = (
            select(model)
            .where(among(model, ids) if searches_through_platform() else model.id.in_(ids))
            .options(*options)
            .order_by(starts_first(model.search_text, terms[0]), model.updated_at.desc(), model.id.desc())
            .limit(per_type + 1)
        )
        records = list(db.session.scalars(stmt).unique())
        # The hits' collections (a contact's e-mails and phones) in one statement, as a list's.
        load_together(db.session, records, collections)
        if records:
            groups.append(
                Group(record_type, [Hit(record_type, record) for record in records[:per_type]], len(records) > per_type)
            )
    return groups
