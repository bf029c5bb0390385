"""Search over CRM lists: one lower-cased `search_text` column per record.

PostgreSQL matches it with LIKE through a trigram GIN index that leads with tenant_id;
SQLite runs the same LIKE as a scan of the tenant's rows, which is fast enough for the
sizes SQLite serves (development, tests, small installs) — FTS5 was not worth a second
copy of every row there.

Row-level security hides the trigram index from the app role: LIKE is not a leakproof
operator, so PostgreSQL must apply the tenant policy first and can only filter the
tenant's rows one by one (seconds at a million contacts for a rare email fragment). So on
PostgreSQL a selective search first asks the index for candidate ids through the platform
role, with the current tenant bound explicitly, and the list query then reads those ids
under RLS as usual. A broad term (more candidates than CANDIDATE_LIMIT) keeps the plain
LIKE: it matches early in the sorted scan, which is fast without the index.
"""

import re

from flask import current_app, has_app_context
from sqlalchemy import Index, and_, select

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.request_cache import per_request

MAX_TERMS = 6
MIN_TRIGRAM_LENGTH = 2
CANDIDATE_LIMIT = 2000


def search_index(table: str) -> Index:
    """The search index of a table: trigram GIN (tenant_id, search_text) on PostgreSQL.

    Elsewhere the same declaration is a plain index, which keeps models and migrations
    in agreement on every database.
    """
    return Index(
        f"ix_{table}_search_trgm",
        "tenant_id",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def build_search_text(*parts) -> str:
    """Join the searchable parts, lower-cased; phone numbers also as bare digits."""
    words = []
    for part in parts:
        if not part:
            continue
        text = str(part).strip().lower()
        words.append(text)
        if text.startswith("+"):
            words.append(phone_digits(text))
    return " ".join(words)


def search_terms(query: str | None) -> list[str]:
    # NUL cannot reach PostgreSQL as a parameter; nobody searches for it anyway.
    terms = [term for term in (query or "").replace("\x00", "").lower().split() if term][:MAX_TERMS]
    cleaned = []
    for term in terms:
        digits = phone_digits(term)
        # "(415) 555-01" finds +1415555 01…: compare digits when the term is a phone fragment.
        if digits and len(digits) >= 3 and re.fullmatch(r"[\d\s()+.\-]+", term):
            cleaned.append(digits)
        else:
            cleaned.append(term)
    return cleaned


def search_condition(column, query: str | None):
    """Every term of `query` must occur in `column` (None when there is nothing to search)."""
    terms = search_terms(query)
    if not terms:
        return None
    condition = and_(*[column.like(f"%{_escape_like(term)}%", escape="\\") for term in terms])
    # A list page searches twice (its rows, its count): the index is asked once.
    key = f"search:{getattr(getattr(column, 'class_', None), '__name__', '')}:{' '.join(terms)}"
    candidates = per_request(key, lambda: _indexed_candidates(column, condition))
    if candidates is None:
        return condition
    return column.class_.id.in_(candidates)


def _indexed_candidates(column, condition) -> list | None:
    """Ids of the current tenant's rows matching `condition`, found through the trigram
    index by the platform role; None when that does not apply or matches too many rows."""
    if not has_app_context() or current_app.config.get("SEARCH_CANDIDATES") is False:
        return None
    model = getattr(column, "class_", None)
    engine = db.engines.get("platform")
    if model is None or engine is None or engine.dialect.name != "postgresql":
        return None
    table = model.__table__
    # Core statement on purpose: the tenant is bound here, explicitly, not by the ORM.
    stmt = select(table.c.id).where(table.c.tenant_id == require_tenant_id(), condition).limit(CANDIDATE_LIMIT + 1)
    with engine.connect() as connection:
        ids = connection.scalars(stmt).all()
    return None if len(ids) > CANDIDATE_LIMIT else list(ids)
