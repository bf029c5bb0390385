"""The board: a pipeline's stages as columns with their count, total and weighted total, and
the first cards of each column in order — a fixed number of queries whatever the deals."""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import joinedload

from app.auth.permissions import check_permission
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.deals.fields import workspace_currency
from app.crm.deals.models import Deal, Pipeline, Stage
from app.crm.deals.record import DEALS
from app.crm.deals.services.pipelines import list_stages
from app.records.listing import filtered_statement

CARDS_PER_COLUMN = 20
BOARD_FILTERS = ("owner_id", "tag_id", "expected_close_date_after", "expected_close_date_before", "priority")


@dataclass
class Column:
    stage: Stage
    count: int = 0
    # {currency: amount}; the workspace's currency first when shown.
    totals: dict = field(default_factory=dict)
    weighted: dict = field(default_factory=dict)
    cards: list = field(default_factory=list)
    has_more: bool = False

    @property
    def cursor(self) -> str:
        last = self.cards[-1]
        return f"{last.board_rank!r}:{last.id}"


def board_filters(args) -> dict:
    """The board's filters from a query string: owner ("me" for "my deals"), tag, priority,
    expected close range."""
    filters = {key: args.get(key) for key in BOARD_FILTERS if args.get(key) not in (None, "")}
    if args.get("mine") in ("1", "true", "on"):
        filters["owner_id"] = "me"
    return filters


def _where(pipeline_id, filters: dict, search: str | None) -> list:
    stmt = filtered_statement(DEALS, search=search, filters=filters, columns=[Deal.id])
    conditions = [Deal.pipeline_id == pipeline_id]
    if stmt.whereclause is not None:
        conditions.append(stmt.whereclause)
    return conditions


def column_totals(pipeline_id, filters: dict, search: str | None, stage_ids=None) -> dict:
    """{stage id: (count, {currency: total}, {currency: weighted})} in one grouped query."""
    weighted = func.sum(Deal.value * Deal.probability) / 100
    stmt = (
        select(
            Deal.stage_id,
            Deal.currency,
            func.count(),
            func.coalesce(func.sum(Deal.value), 0),
            func.coalesce(weighted, 0),
        )
        .where(*_where(pipeline_id, filters, search))
        .group_by(Deal.stage_id, Deal.currency)
    )
    if stage_ids is not None:
        stmt = stmt.where(Deal.stage_id.in_(stage_ids))
    result: dict = {}
    for stage_id, currency, count, total, weighted_total in db.session.execute(stmt):
        entry = result.setdefault(stage_id, [0, {}, {}])
        entry[0] += count
        entry[1][currency] = Decimal(total).quantize(Decimal("0.01"))
        entry[2][currency] = Decimal(weighted_total).quantize(Decimal("0.01"))
    return result


def _card_options():
    # A card shows its owner and company: joined into the cards' one query.
    return [joinedload(Deal.owner), joinedload(Deal.company)]


def load_board(
    pipeline: Pipeline, *, actor, filters: dict | None = None, search: str | None = None, limit: int = CARDS_PER_COLUMN
) -> list[Column]:
    """Every column of the pipeline with its first `limit` cards (the rest load on demand)."""
    check_permission(actor, DEALS.permission("view"))
    filters = dict(filters or {})
    stages = list_stages(pipeline.id)
    columns = {stage.id: Column(stage) for stage in stages}
    for stage_id, (count, totals, weighted) in column_totals(pipeline.id, filters, search).items():
        if stage_id in columns:
            column = columns[stage_id]
            column.count, column.totals, column.weighted = count, _ordered(totals), _ordered(weighted)
    # The first limit + 1 cards of every column (the extra one says "more"), in one query: per
    # column an index walk in board order that stops at limit + 1 (the stages' limited selects,
    # UNION ALL), then those deals with their owner and company.
    conditions = _where(pipeline.id, filters, search)
    firsts = [
        select(Deal.id)
        .where(*conditions, Deal.stage_id == stage.id)
        .order_by(Deal.board_rank, Deal.id)
        .limit(limit + 1)
        .subquery()
        for stage in stages
    ]
    cards = []
    if firsts:
        chosen = union_all(*(select(first.c.id) for first in firsts)).subquery()
        cards = db.session.scalars(
            select(Deal)
            .join(chosen, chosen.c.id == Deal.id)
            .options(*_card_options())
            .order_by(Deal.stage_id, Deal.board_rank, Deal.id)
        ).unique()
    for card in cards:
        column = columns.get(card.stage_id)
        if column is None:
            continue
        if len(column.cards) < limit:
            column.cards.append(card)
        else:
            column.has_more = True
    return [columns[stage.id] for stage in stages]


def more_cards(
    stage: Stage,
    cursor: str,
    *,
    actor,
    filters: dict | None = None,
    search: str | None = None,
    limit: int = CARDS_PER_COLUMN,
) -> Column:
    """The next cards of one column after `cursor` ("rank:id" of the last card shown)."""
    check_permission(actor, DEALS.permission("view"))
    rank_text, _, id_text = (cursor or "").partition(":")
    try:
        after_rank = float(rank_text)
    except ValueError:
        after_rank = None
    after_id = parse_uuid(id_text)
    if after_rank is None or after_id is None:
        raise ValidationFailed("Bad cursor.", details={"after": ["Reload the board."]})
    rows = list(
        db.session.scalars(
            select(Deal)
            .where(*_where(stage.pipeline_id, dict(filters or {}), search), Deal.stage_id == stage.id)
            .where(or_(Deal.board_rank > after_rank, and_(Deal.board_rank == after_rank, Deal.id > after_id)))
            .options(*_card_options())
            .order_by(Deal.board_rank, Deal.id)
            .limit(limit + 1)
        ).unique()
    )
    return Column(stage, cards=rows[:limit], has_more=len(rows) > limit)


def _ordered(amounts: dict) -> dict:
    home = workspace_currency()
    return dict(sorted(amounts.items(), key=lambda item: (item[0] != home, item[0])))
