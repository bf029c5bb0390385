"""Search over CRM lists: one lower-cased `search_text` column per record.

PostgreSQL matches it with LIKE through a trigram GIN index that leads with tenant_id;
SQLite runs the same LIKE as a scan of the tenant's rows, which is fast enough for the
sizes SQLite serves (development, tests, small installs) — FTS5 was not worth a second
copy of every row there.

Row-level security hides the trigram index from the app role: LIKE is not a leakproof
operator, so PostgreSQL must apply the tenant policy first and can only filter the
tenant's rows one by one (seconds at a million contacts). So on PostgreSQL the search
itself runs through the platform role, with the current tenant bound explicitly, on the
type's own table only (its search text, the list's order and cursor): there the planner
is free to pick the trigram index for a rare term or the sort's index for a common one.
What it returns is a short, ordered window of ids; the list query then reads those ids
under RLS, with every filter, as usual (see `app.records.listing`). Being another
connection, it finds committed rows only: what a person searching in a later request sees.

A term shorter than a trigram is matched at the start of a word ("qz" finds "Qzar Ltd"),
which the index can answer through its word-start trigrams; anywhere in a word, two
letters match nearly every row and no index could help.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import (
    BigInteger,
    Index,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.pagination import keyset_position
from app.core.request_cache import per_request

MAX_TERMS = 6
MIN_TRIGRAM_LENGTH = 3
# Candidate ids travel as one array parameter, so a filtered search's count can take this many.
CANDIDATE_LIMIT = 10_000


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


def contains_text(columns, text: str):
    """Any of `columns` holds `text`, case aside, its LIKE wildcards taken literally: the search of
    a short list (a workspace's templates, campaigns, suppressed addresses) that has no
    `search_text` of its own."""
    return or_(*(column.icontains(text, autoescape=True) for column in columns))


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


def term_condition(column, term: str):
    """`column` contains `term`; a term shorter than a trigram must start a word."""
    pattern = _escape_like(term)
    if len(term) < MIN_TRIGRAM_LENGTH:
        return or_(column.like(f"{pattern}%", escape="\\"), column.like(f"% {pattern}%", escape="\\"))
    return column.like(f"%{pattern}%", escape="\\")


def terms_condition(column, terms: list[str]):
    return and_(*[term_condition(column, term) for term in terms])


def search_condition(column, query: str | None, *, model=None):
    """Every term of `query` must occur in `column` (None when there is nothing to search).
    `column` may be an expression over `model`'s table that a trigram index covers."""
    terms = search_terms(query)
    if not terms:
        return None
    condition = terms_condition(column, terms)
    # A list page searches twice (its rows, its count): the index is asked once.
    model = model or getattr(column, "class_", None)
    key = f"search:{getattr(model, '__name__', '')}:{' '.join(terms)}"
    candidates = per_request(key, lambda: _indexed_candidates(model, condition))
    if candidates is None:
        return condition
    return among(model, candidates)


def where_searched(stmt, column, query: str | None):
    """`stmt` kept to the rows whose `column` holds every term of `query`; unchanged when
    there is nothing to search."""
    condition = search_condition(column, query)
    return stmt if condition is None else stmt.where(condition)


def among(model, ids: list):
    """`model`'s row is one of `ids` (PostgreSQL): one uuid[] parameter, not 10,000 bound values."""
    return model.id == any_(literal(ids, ARRAY(Uuid)))


def starts_first(column, term: str):
    """0 for a row whose search text starts with `term`, else 1: an order that puts them first."""
    return case((column.like(f"{_escape_like(term)}%", escape="\\"), 0), else_=1)


def _platform_engine():
    """The platform role's engine where searching through it applies (PostgreSQL), else None."""
    if not has_app_context() or current_app.config.get("SEARCH_CANDIDATES") is False:
        return None
    engine = db.engines.get("platform")
    if engine is None or engine.dialect.name != "postgresql":
        return None
    return engine


def _indexed_candidates(model, condition) -> list | None:
    """Ids of the current tenant's rows matching `condition`, found through the trigram
    index by the platform role; None when that does not apply or matches too many rows."""
    engine = _platform_engine()
    if model is None or engine is None:
        return None
    table = model.__table__
    # Core statement on purpose: the tenant is bound here, explicitly, not by the ORM.
    stmt = select(table.c.id).where(table.c.tenant_id == require_tenant_id(), condition).limit(CANDIDATE_LIMIT + 1)
    with engine.connect() as connection:
        ids = connection.scalars(stmt).all()
    return None if len(ids) > CANDIDATE_LIMIT else list(ids)


def searches_through_platform() -> bool:
    return _platform_engine() is not None


# A search first reads this many rows in the list's order from its cursor: a common term
# ("gmail", "a") fills its window there, from the sort's index, at once.
PROBE_ROWS = 2_000
# Otherwise it gathers up to this many matches through the trigram index and orders them
# itself, with their count; for a term that matches more, it gathers every match past the cursor.
GATHER_LIMIT = 50_000


@dataclass
class SearchWindow:
    ids: list  # the window's ids, in the list's order
    # How many rows match the search (not only past the cursor): None when not counted;
    # when not `exact`, only a lower bound ("more than GATHER_LIMIT").
    matches: int | None
    exact: bool = True


def search_window(
    table, terms: list[str], sort_key: str, *, descending: bool, cursor, size: int, text=None
) -> SearchWindow:
    """The current tenant's first `size` rows of `table` that match `terms`, in the list's
    order (`sort_key`, a column of `table`, then id) from its cursor. `text` is what is
    searched, its `search_text` column unless given (an expression a trigram index covers).

    Runs as the platform role (see the module's docstring), so it names nothing but `table`
    and binds the tenant itself; call it only when searches_through_platform(). Three steps,
    each taken only when the one before cannot answer: the next PROBE_ROWS rows of the list
    (a common term is dense there); up to GATHER_LIMIT matches gathered through the trigram
    index and ordered here (walking the sort's index would pass every "Aaron" before the first
    "Zoey"); every match past the cursor, gathered and ordered.
    """
    text = table.c.search_text if text is None else text
    matching = table.c.tenant_id == require_tenant_id(), terms_condition(text, terms)
    in_order = keyset_position(table.c[sort_key], table.c.id, descending=descending, cursor=cursor)
    with _platform_engine().connect() as connection:
        ids = _probe(connection, table, text, terms, sort_key, descending, in_order, size)
        if len(ids) >= size:
            return SearchWindow(ids, None)
        window = _gather(connection, table, matching, sort_key, descending, cursor, size)
        if window is not None:
            return window
        # A common term whose rows are not where the list starts ("zo" by name): every match
        # past the cursor, gathered and ordered. Walking the sort's index could pass most rows.
        rest = select(table.c.id, table.c[sort_key]).where(*matching)
        if in_order.condition is not None:
            rest = rest.where(in_order.condition)
        rest = rest.cte("rest").prefix_with("MATERIALIZED")
        position = keyset_position(rest.c[sort_key], rest.c.id, descending=descending, cursor=cursor)
        ids = list(connection.scalars(select(rest.c.id).order_by(*position.order).limit(size)))
        return SearchWindow(ids, GATHER_LIMIT + 1, exact=False)


def _probe(connection, table, text, terms, sort_key, descending, in_order, size) -> list:
    """The matches among the next PROBE_ROWS rows of the list, in order."""
    rows = select(table.c.id, table.c[sort_key], text.label("search_text")).where(
        table.c.tenant_id == require_tenant_id()
    )
    if in_order.condition is not None:
        rows = rows.where(in_order.condition)
    rows = rows.order_by(*in_order.order).limit(PROBE_ROWS).subquery()
    ascending = descending == in_order.reverse
    order = [column.asc() if ascending else column.desc() for column in (rows.c[sort_key], rows.c.id)]
    stmt = select(rows.c.id).where(terms_condition(rows.c.search_text, terms)).order_by(*order).limit(size)
    return list(connection.scalars(stmt))


def _gather(connection, table, matching, sort_key, descending, cursor, size) -> SearchWindow | None:
    """The window from every match gathered through the trigram index; None past GATHER_LIMIT."""
    gathered = (
        select(table.c.id, table.c[sort_key]).where(*matching).limit(GATHER_LIMIT + 1).cte("matching")
    ).prefix_with("MATERIALIZED")
    position = keyset_position(gathered.c[sort_key], gathered.c.id, descending=descending, cursor=cursor)
    total = select(func.count()).select_from(gathered).scalar_subquery()
    stmt = select(gathered.c.id, total)
    if position.condition is not None:
        stmt = stmt.where(position.condition)
    rows = connection.execute(stmt.order_by(*position.order).limit(size)).all()
    if rows:
        return SearchWindow([row[0] for row in rows], rows[0][1]) if rows[0][1] <= GATHER_LIMIT else None
    # Nothing past the cursor, or a common term: count the matches to tell which.
    matches = connection.scalar(
        select(func.count()).select_from(select(table.c.id).where(*matching).limit(GATHER_LIMIT + 1).subquery())
    )
    return SearchWindow([], matches) if matches <= GATHER_LIMIT else None


def search_count(table, terms: list[str], cap: int) -> int:
    """How many of the current tenant's rows of `table` match `terms`, counting at most `cap`
    (platform role, tenant bound explicitly, like search_window)."""
    matching = select(table.c.id).where(
        table.c.tenant_id == require_tenant_id(), terms_condition(table.c.search_text, terms)
    )
    stmt = select(func.count()).select_from(matching.limit(cap).subquery())
    with _platform_engine().connect() as connection:
        return connection.scalar(stmt)


def best_matches_together(tables: list, terms: list[str], size: int) -> list[list]:
    """For each of `tables`, ids among which a search across record types finds its `size` best
    matches (starting with the first term first, then the most recently updated, then the
    highest id), in that order. Every table is asked in the same statement, one branch each
    (a search across a dozen record types sent a dozen), and each step asks only the tables
    the step before did not answer.

    A term shorter than a trigram ("zo") first asks the PROBE_ROWS most recently updated rows,
    read through the `updated_at` sort index: when the `size` best matches among them all start
    with the term, no older row can outrank them (a match that starts with the term ranks by
    recency, the others rank after it), so that is the exact answer, found without gathering
    the tens of thousands of rows such a term matches at a million. Longer terms skip that
    statement (a rare one is cheaper to gather than to probe for).

    Else every match when the trigram index finds at most CANDIDATE_LIMIT. A commoner term
    ("smith", a phone's area code) would have the list statement test every row of the tenant
    under row-level security, so its best matches are the probe's; if it holds fewer than
    `size`, the newest matches of all.

    Platform role, each branch binding the tenant explicitly, like search_window; call it only
    when searches_through_platform().
    """
    answers: list[list | None] = [None] * len(tables)
    newest: list[list | None] = [None] * len(tables)

    def ask_newest(connection, numbers):
        found = _ask(connection, "newest", [(number, tables[number]) for number in numbers], terms, size)
        for number in numbers:
            newest[number] = found.get(number, [])

    with _platform_engine().connect() as connection:
        pending = list(range(len(tables)))
        if len(terms[0]) < MIN_TRIGRAM_LENGTH:
            ask_newest(connection, pending)
            for number in pending:
                if len(newest[number]) >= size and newest[number][-1].starts == 0:
                    answers[number] = [row.id for row in newest[number]]
            pending = [number for number in pending if answers[number] is None]
        common = []
        if pending:
            # Ordered where the index found them: the list statement then reads `size` rows.
            found = _ask(connection, "gathered", [(number, tables[number]) for number in pending], terms, size)
            for number in pending:
                rows = found.get(number, [])
                if not rows or rows[0].total <= CANDIDATE_LIMIT:
                    answers[number] = [row.id for row in rows]
                else:
                    common.append(number)
        unasked = [number for number in common if newest[number] is None]
        if unasked:
            ask_newest(connection, unasked)
        for number in common:
            if len(newest[number]) >= size:
                answers[number] = [row.id for row in newest[number]]
    return [
        answer
        if answer is not None
        else search_window(table, terms, "updated_at", descending=True, cursor=None, size=size).ids
        for table, answer in zip(tables, answers, strict=True)
    ]


def ordered_matches_together(connection, tables: list, terms: list[str], size: int) -> list[list]:
    """For each of `tables`, the ids of its `size` best matches (best_matches_together's order), every
    table in one statement, each branch binding the tenant explicitly. Where the search does not
    run through the platform role (SQLite): `connection` is the session's own, and each branch
    tests the tenant's rows one by one, which is fast enough at the sizes SQLite serves."""
    found = _ask(connection, "all", list(enumerate(tables)), terms, size)
    return [[row.id for row in found.get(number, [])] for number in range(len(tables))]


# The statements below are built once per shape (the step, the tables, how many terms and which
# are shorter than a trigram, the size) with every value bound: a dozen branches of subqueries
# cost more Python to build than most of them cost PostgreSQL to answer.


def _ask(connection, step: str, numbered: list, terms: list[str], size: int) -> dict[int, list]:
    """Each numbered table's best rows for `step`, in their order, from one statement."""
    shape = tuple(len(term) < MIN_TRIGRAM_LENGTH for term in terms)
    statement = _statement(step, tuple(numbered), shape, size, CANDIDATE_LIMIT, PROBE_ROWS)
    values = {"tenant_id": require_tenant_id(), "starts": f"{_escape_like(terms[0])}%"}
    for index, term in enumerate(terms):
        pattern = _escape_like(term)
        values.update({f"term_{index}": f"%{pattern}%", f"term_{index}_start": f"{pattern}%"})
        values[f"term_{index}_word"] = f"% {pattern}%"
    found: dict[int, list] = {}
    for row in connection.execute(statement, values).all():
        found.setdefault(row.branch, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda row: row.position)
    return found


@lru_cache(maxsize=256)
def _statement(step: str, numbered: tuple, shape: tuple, size: int, candidate_limit: int, probe_rows: int):
    best = {"newest": _newest_best, "gathered": _gathered_best, "all": _all_best}[step]
    limits = {"candidate_limit": candidate_limit, "probe_rows": probe_rows}
    branches = [_branch(number, best(table, shape, size, **limits)) for number, table in numbered]
    return branches[0] if len(branches) == 1 else union_all(*branches)


def _bound_terms(column, shape: tuple):
    """terms_condition with the terms bound (see _ask): a short term must start a word."""
    conditions = []
    for index, short in enumerate(shape):
        if short:
            start, word = bindparam(f"term_{index}_start"), bindparam(f"term_{index}_word")
            conditions.append(or_(column.like(start, escape="\\"), column.like(word, escape="\\")))
        else:
            conditions.append(column.like(bindparam(f"term_{index}"), escape="\\"))
    return and_(*conditions)


def _in_tenant(table):
    return table.c.tenant_id == bindparam("tenant_id", type_=table.c.tenant_id.type)


def _search_rows(table):
    return select(table.c.id, table.c.updated_at, table.c.search_text)


def _best(source, size: int, total=None):
    """The `size` best rows of `source` (id, updated_at, search_text) with `total` beside each."""
    starts = case((source.c.search_text.like(bindparam("starts"), escape="\\"), 0), else_=1)
    total = cast(null(), BigInteger) if total is None else total
    return (
        select(source.c.id, starts.label("starts"), source.c.updated_at, total.label("total"))
        .order_by(starts, source.c.updated_at.desc(), source.c.id.desc())
        .limit(size)
    )


def _newest_best(table, shape: tuple, size: int, *, probe_rows: int, **_):
    """The best matches among the PROBE_ROWS most recently updated rows of the tenant."""
    recent = (
        _search_rows(table)
        .where(_in_tenant(table))
        .order_by(table.c.updated_at.desc(), table.c.id.desc())
        .limit(probe_rows)
        .subquery()
    )
    return _best(recent, size).where(_bound_terms(recent.c.search_text, shape))


def _gathered_best(table, shape: tuple, size: int, *, candidate_limit: int, **_):
    """The best of up to CANDIDATE_LIMIT + 1 matches gathered through the trigram index, with
    how many were gathered (past CANDIDATE_LIMIT: a common term)."""
    matching = (
        _search_rows(table)
        .where(_in_tenant(table), _bound_terms(table.c.search_text, shape))
        .limit(candidate_limit + 1)
        .cte(f"matching_{table.name}")
        .prefix_with("MATERIALIZED")
    )
    return _best(matching, size, total=select(func.count()).select_from(matching).scalar_subquery())


def _all_best(table, shape: tuple, size: int, **_):
    """The best of every match (ordered_matches_together)."""
    matching = _search_rows(table).where(_in_tenant(table), _bound_terms(table.c.search_text, shape))
    return _best(matching.subquery(), size)


def _branch(number: int, best):
    """Branch `number` of a UNION ALL: `best`'s rows, numbered in their order (a branch of a
    UNION cannot keep an ORDER BY of its own; `best`'s stays inside it, with its LIMIT)."""
    rows = best.subquery()
    position = func.row_number().over(order_by=(rows.c.starts, rows.c.updated_at.desc(), rows.c.id.desc()))
    return select(literal(number).label("branch"), position.label("position"), rows.c.id, rows.c.starts, rows.c.total)
